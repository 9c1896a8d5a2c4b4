import { api } from '../api';
import { EventForm } from '../components/EventForm';
import { navigate } from '../router';
import type { EventDoc, Me } from '../types';

/** A new event of the user's organisation; attributes are added on its page. */
export function NewEvent({ me }: { me: Me }) {
  return (
    <div>
      <h1>New event</h1>
      <section className="card">
        <p className="muted">Created by {me.Organisation.name}. Attributes, objects and tags are added on the event's page.</p>
        <EventForm label="Create event" submit={async (fields) => {
          const made = await api<{ Event: EventDoc }>('POST', '/events/add', { Event: fields });
          navigate(`/events/${made.Event.id}`);
        }} />
      </section>
    </div>
  );
}
