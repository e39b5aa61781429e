import type { ReactNode } from 'react';

/** An area's heading (focused when its link is followed) and its main buttons. */
export function AreaHeader({ title, intro, children }: { title: string; intro?: ReactNode; children?: ReactNode }) {
  return (
    <div className="area-header">
      <div>
        <h1 tabIndex={-1}>{title}</h1>
        {intro === undefined ? null : <p className="intro">{intro}</p>}
      </div>
      {children === undefined ? null : <div className="toolbar">{children}</div>}
    </div>
  );
}
