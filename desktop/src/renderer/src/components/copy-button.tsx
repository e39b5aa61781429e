import { useEffect, useState } from 'react';

export interface CopyButtonProps {
  /** The text copied, or a function that fetches it (the armored public key). */
  text: string | (() => Promise<string>);
  /** The button's accessible name: `Copy` in code blocks, `Copy public key` in a key's row. */
  label?: string;
  className?: string;
}

async function writeClipboard(text: string): Promise<void> {
  if (navigator.clipboard !== undefined) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Some shells refuse the async clipboard without a permission; the selection copy below still works.
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen';
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('The clipboard refused the text; select it and copy by hand.');
}

/** Copies text to the clipboard and says `Copied` next to itself for a moment. */
export function CopyButton({ text, label = 'Copy', className }: CopyButtonProps) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const [message, setMessage] = useState('');

  useEffect(() => {
    if (state !== 'copied') return;
    const timer = setTimeout(() => setState('idle'), 2500);
    return () => clearTimeout(timer);
  }, [state]);

  const copy = async () => {
    try {
      const value = typeof text === 'string' ? text : await text();
      await writeClipboard(value);
      setState('copied');
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error));
      setState('failed');
    }
  };

  return (
    <span className={className === undefined ? 'copy' : `copy ${className}`}>
      <button type="button" className="button-small" onClick={() => void copy()}>
        {label}
      </button>
      <span role="status" className="copy-status">
        {state === 'copied' ? 'Copied' : ''}
      </span>
      {state === 'failed' ? (
        <span role="alert" className="alert-inline">
          {message}
        </span>
      ) : null}
    </span>
  );
}
