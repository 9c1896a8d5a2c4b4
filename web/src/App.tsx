import { useEffect, useState } from 'react';
import { api, setCsrfToken, whenSignedOut } from './api';
import { navigate, useRoute } from './router';
import type { Session } from '@cairn/answers';
import { Dashboard } from './pages/Dashboard';
import { EventList } from './pages/EventList';
import { EventPage } from './pages/EventPage';
import { Graph } from './pages/Graph';
import { Import } from './pages/Import';
import { Admin, mayAdminister } from './pages/admin/Admin';
import { NewEvent } from './pages/NewEvent';
import { Profile } from './pages/Profile';
import { Search } from './pages/Search';
import { SignIn } from './pages/SignIn';

function Page({ path, me }: { path: string; me: Session }) {
  const [base] = path.split('?');
  const parts = (base ?? '/').split('/').filter(Boolean);
  if (parts[0] === 'events' && parts[1] === 'new') return <NewEvent me={me} />;
  if (parts[0] === 'events' && parts[1] && parts[2] === 'graph') return <Graph id={parts[1]} />;
  if (parts[0] === 'events' && parts[1]) return <EventPage id={parts[1]} />;
  if (parts[0] === 'events') return <EventList path={path} />;
  if (parts[0] === 'search') return <Search feedHits={me.abilities.canViewFeedCorrelations} />;
  if (parts[0] === 'import') return <Import />;
  if (parts[0] === 'profile') return <Profile me={me} />;
  if (parts[0] === 'admin' && mayAdminister(me)) return <Admin me={me} section={parts[1]} />;
  return <Dashboard />;
}

export function App() {
  const path = useRoute();
  const [me, setMe] = useState<Session | null | undefined>(undefined);

  useEffect(() => {
    whenSignedOut(() => setMe(null));
    api<Session>('GET', '/auth/session').then((m) => {
      setCsrfToken(m.csrfToken);
      setMe(m);
    }, () => setMe(null));
  }, []);

  if (me === undefined) return <div className="loading">Loading…</div>;
  if (me === null) return <SignIn onSignedIn={(m) => { setCsrfToken(m.csrfToken); setMe(m); }} />;

  const signOut = async () => {
    await api('POST', '/auth/logout').catch(() => undefined);
    setCsrfToken(undefined);
    setMe(null);
    navigate('/');
  };
  const section = path.split(/[/?]/)[1] ?? '';
  const link = (to: string, label: string, name: string) => <a href={`#${to}`} className={section === name ? 'active' : ''}>{label}</a>;
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">Cairn</a>
        <nav>
          {link('/', 'Dashboard', '')}
          {link('/events', 'Events', 'events')}
          {link('/search', 'Search', 'search')}
          {me.abilities.canAdd ? link('/import', 'Import', 'import') : null}
          {mayAdminister(me) ? link('/admin', 'Administration', 'admin') : null}
          {me.abilities.canAdd ? <a href="#/events/new" className="button-link">New event</a> : null}
        </nav>
        <div className="who">
          <a href="#/profile" className={section === 'profile' ? 'active' : ''}>{me.User.email}</a>
          <span className="org">{me.Organisation.name} · {me.Role.name}</span>
          <button type="button" className="secondary" onClick={signOut}>Sign out</button>
        </div>
      </header>
      <main><Page path={path} me={me} /></main>
    </div>
  );
}
