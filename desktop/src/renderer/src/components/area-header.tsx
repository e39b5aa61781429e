import { useEffect, useRef, type ReactNode } from 'react';

// Set when a navigation link was followed: the next area heading to mount takes focus, so keyboard and screen
// reader users land on the area they chose (an area mounts its heading once its data is there).
let focusNextHeading = false;

export function requestHeadingFocus(): void {
  focusNextHeading = true;
}

/** An area's heading (focused when its link is followed) and its main buttons. */
export function AreaHeader({ title, intro, children }: { title: string; intro?: ReactNode; children?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!focusNextHeading) return;
    focusNextHeading = false;
    heading.current?.focus();
  }, []);
  return (
    <div className="area-header">
      <div>
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {intro === undefined ? null : <p className="intro">{intro}</p>}
      </div>
      {children === undefined ? null : <div className="toolbar">{children}</div>}
    </div>
  );
}

/** What an area shows before its first read answered: no heading yet, so its heading means its data is there. */
export function AreaLoading({ label }: { label: string }) {
  return (
    <p role="status" className="muted loading">
      Loading {label}…
    </p>
  );
}
