import {
  getOperationAST,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/** The operation a request runs and its root fields, fragments spread out (aliases each count). */
export function rootFields(
  document: DocumentNode,
  operationName: string | null | undefined,
): { operation: OperationDefinitionNode | null; fields: FieldNode[] } {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return { operation: null, fields: [] };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const fields: FieldNode[] = [];
  const seen = new Set<string>();
  const collect = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        // Validation refuses cyclic fragments before we run; `seen` keeps this safe regardless.
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  collect(operation.selectionSet);
  return { operation, fields };
}

/** True when every root field is introspection (`__schema`, `__type`, `__typename`). */
export function onlyIntrospection(document: DocumentNode, operationName: string | null | undefined): boolean {
  const { operation, fields } = rootFields(document, operationName);
  return operation?.operation === "query" && fields.every((field) => field.name.value.startsWith("__"));
}
