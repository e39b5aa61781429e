import { useEffect, useRef, useState } from 'react';
import type { AppInfo } from '../../shared/api';
import { call } from './api';
import { AppInfoContext } from './app-info';
import { KeysArea } from './areas/keys-area';
import { requestHeadingFocus } from './components/area-header';
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
  const firstRoute = useRef(true);

  useEffect(() => {
    call('appInfo', {}).then(setInfo, () => setInfo(null));
  }, []);

  useEffect(() => {
    const label = AREAS.find((area) => area.route === route)?.label ?? '';
    document.title = `${label} · Signet`;
    // After a link is followed, the area's heading takes focus once it mounts.
    if (firstRoute.current) firstRoute.current = false;
    else requestHeadingFocus();
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
        <main className="content">
          <AreaView route={route} />
        </main>
      </div>
    </AppInfoContext.Provider>
  );
}
