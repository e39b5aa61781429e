import { useId } from 'react';
import { CopyButton } from './copy-button';

/** A labelled region holding one code block and its `Copy` button, so tests and users can scope to it. */
export function CodeBlock({ label, text, note }: { label: string; text: string; note?: string }) {
  const headingId = useId();
  return (
    <section className="code-block" aria-labelledby={headingId}>
      <div className="code-block-header">
        <h3 id={headingId}>{label}</h3>
        <CopyButton text={text} />
      </div>
      {note === undefined ? null : <p className="hint">{note}</p>}
      <pre tabIndex={0}>
        <code>{text}</code>
      </pre>
    </section>
  );
}
