import { memo, useId } from 'react';
import type { ProblemView } from '../../../shared/api';

export interface ProblemsRegionProps {
  problems: ProblemView[];
  /** The release's revision: the list re-renders only when it changes, so it never reshuffles under a reader. */
  revision: number;
}

function countLine(problems: ProblemView[]): string {
  const errors = problems.filter((problem) => problem.severity === 'error').length;
  const warnings = problems.length - errors;
  const parts = [];
  if (errors > 0) parts.push(`${errors} ${errors === 1 ? 'error' : 'errors'}`);
  if (warnings > 0) parts.push(`${warnings} ${warnings === 1 ? 'warning' : 'warnings'}`);
  return parts.join(', ');
}

/** Every problem of the release (code, file, message, fix), or `No problems`; re-read on every folder change. */
export const ProblemsRegion = memo(
  function ProblemsRegion({ problems }: ProblemsRegionProps) {
    const headingId = useId();
    return (
      <section className="problems" aria-labelledby={headingId}>
        <div className="section-header">
          <h3 id={headingId}>Problems</h3>
          {problems.length === 0 ? null : <span className="muted">{countLine(problems)}</span>}
        </div>
        {problems.length === 0 ? (
          <p className="no-problems">No problems</p>
        ) : (
          <ul className="problem-list">
            {problems.map((problem, index) => (
              <li
                key={`${problem.file ?? ''}|${problem.code}|${index}`}
                className={`problem problem-${problem.severity}`}
              >
                <div className="problem-head">
                  <span className={problem.severity === 'error' ? 'badge badge-bad' : 'badge badge-warn'}>
                    {problem.severity === 'error' ? 'Error' : 'Warning'}
                  </span>
                  <code className="problem-code">{problem.code}</code>
                  {problem.file === null ? null : <code className="problem-file">{problem.file}</code>}
                </div>
                <p className="problem-message">{problem.message}</p>
                {problem.fix === null ? null : <p className="problem-fix">Fix: {problem.fix}</p>}
              </li>
            ))}
          </ul>
        )}
      </section>
    );
  },
  (previous, next) => previous.revision === next.revision && previous.problems.length === next.problems.length,
);
