import { expect } from "vitest";
import type { Decider } from "../../domain/shared/decider";

/**
 * Given events / when command / then events (or then error): the one way every decider is
 * specified, whatever its bounded context.
 *
 *   const spec = deciderSpec(accountDecider);
 *   spec.given([opened]).when(deposit).then([deposited]);
 *   spec.given([opened, closed]).when(deposit).thenThrows(AccountClosedError);
 */
export function deciderSpec<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(events: readonly E[]) {
      const state = events.reduce(decider.evolve, decider.initialState);
      return {
        when(command: C) {
          const run = () => decider.decide(command, state);
          return {
            then(expected: readonly E[]) {
              expect(run()).toEqual(expected);
            },
            thenNothingHappens() {
              expect(run()).toEqual([]);
            },
            thenThrows(
              errorClass: abstract new (...args: never[]) => Error,
              fields?: Record<string, unknown>,
            ) {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown, "the command should have been refused").toBeInstanceOf(errorClass);
              if (fields) expect(thrown).toMatchObject(fields);
            },
          };
        },
        /** The state the given events fold into, for assertions on evolve. */
        thenState(expected: Partial<S>) {
          expect(state).toMatchObject(expected);
        },
      };
    },
  };
}
