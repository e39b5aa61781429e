import { useEffect, useRef, useState } from 'react';
import type { AppInfo } from '../../shared/api';
import { call } from './api';
import { AppInfoContext } from './app-info';
import { KeysArea } from './areas/keys-area';
import { LocalRegistryArea } from './areas/local-registry-area';
import { RegistriesArea } from './areas/registries-area';
import { ReleasesArea } from './areas/releases-area';
import { AREAS, useHashRoute, type AreaRoute } from './use-hash-route';

function AreaView({ route }: { route: AreaRoute }) {
  switch (route) {
    case 'keys':
      return <KeysArea />;
    case 'releases':
      return <ReleasesArea />;
    case 'registries':
      return <RegistriesArea />;
    case 'local':
      return <LocalRegistryArea />;
  }
}

export function App() {
  const route = useHashRoute();
  const [info, setInfo] = useState<AppInfo | null>(null);
  const mainRef = useRef<HTMLElement>(null);
  const firstRoute = useRef(true);

  useEffect(() => {
    call('appInfo', {}).then(setInfo, () => setInfo(null));
  }, []);

  useEffect(() => {
    const label = AREAS.find((area) => area.route === route)?.label ?? '';
    document.title = `${label} · Signet`;
    // After a link is followed, focus the area's heading so a keyboard or screen reader user lands there.
    if (firstRoute.current) firstRoute.current = false;
    else mainRef.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [route]);

  return (
    <AppInfoContext.Provider value={info}>
      <div className="shell">
        <header className="topbar">
          <span className="brand">Signet</span>
          <span className="topbar-meta">
            {info === null ? '' : `${info.mode === 'browser' ? 'Browser mode' : 'Desktop'} · v${info.version}`}
          </span>
        </header>
        <nav className="sidebar" aria-label="Areas">
          <ul>
            {AREAS.map((area) => (
              <li key={area.route}>
                <a href={`#/${area.route}`} aria-current={area.route === route ? 'page' : undefined}>
                  {area.label}
                </a>
              </li>
            ))}
          </ul>
          {info === null ? null : (
            <p className="sidebar-foot" title={info.dataDir}>
              Data: {info.dataDir}
            </p>
          )}
        </nav>
        <main ref={mainRef} className="content">
          <AreaView route={route} />
        </main>
      </div>
    </AppInfoContext.Provider>
  );
}
