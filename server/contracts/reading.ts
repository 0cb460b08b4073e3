import { readEvent } from "../../domain/event-catalogue";
import type { Projector } from "../../readmodels/view";

/**
 * A view's projector, reading through the published contracts: before the projection sees an
 * event of an aggregate's stream, the event is lifted to today's version of its type
 * (domain/event-catalogue.ts `readEvent`). One the code cannot read (a type the aggregate does not
 * emit, a version newer than the code) makes `project` throw UnreadableEvent, so the projector
 * runtime retries it, then parks it with that reason (`parkedEvents` shows it), and the view is
 * never written from a shape it does not understand. The service runs every view so.
 */
export function readingThroughContracts(projector: Projector): Projector {
  return { ...projector, project: (event) => projector.project(readEvent(event)) };
}
