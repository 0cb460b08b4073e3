// A projector is part of its view's module (readmodels/<view>/); the runtime here only runs it.
export type { Projection, Projector } from "../readmodels/view";
