import { useId, type ReactNode } from 'react';

export interface TextFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'password' | 'email' | 'url';
  hint?: ReactNode;
  required?: boolean;
  autoComplete?: string;
  placeholder?: string;
  multiline?: boolean;
  inputMode?: 'numeric' | 'text';
  className?: string;
  spellCheck?: boolean;
}

/** A labelled textbox (the label is its accessible name; the hint describes it). */
export function TextField(props: TextFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const common = {
    id,
    value: props.value,
    required: props.required,
    placeholder: props.placeholder,
    spellCheck: props.spellCheck ?? false,
    'aria-describedby': props.hint === undefined ? undefined : hintId,
  };
  return (
    <div className={props.className === undefined ? 'field' : `field ${props.className}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.multiline === true ? (
        <textarea {...common} rows={8} onChange={(event) => props.onChange(event.target.value)} />
      ) : (
        <input
          {...common}
          type={props.type ?? 'text'}
          autoComplete={props.autoComplete ?? 'off'}
          inputMode={props.inputMode}
          onChange={(event) => props.onChange(event.target.value)}
        />
      )}
      {props.hint === undefined ? null : (
        <p id={hintId} className="hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}
