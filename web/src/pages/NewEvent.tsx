import { api } from '../api';
import { EventForm } from '../components/EventForm';
import { navigate } from '../router';
import type { EventView, Session } from '@cairn/answers';

/** A new event of the user's organisation; attributes are added on its page. */
export function NewEvent({ me }: { me: Session }) {
  return (
    <div>
      <h1>New event</h1>
      <section className="card">
        <p className="muted">Created by {me.Organisation.name}. Attributes, objects and tags are added on the event's page.</p>
        <EventForm label="Create event" submit={async (fields) => {
          const made = await api<EventView>('POST', '/events/add', { Event: fields });
          navigate(`/events/${made.Event.id}`);
        }} />
      </section>
    </div>
  );
}
