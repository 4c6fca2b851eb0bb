// Field access by name or dotted path, resolved once at compile time into a getter.

export type Getter = (action: Record<string, unknown>) => unknown;

/** `action_type` also reads the documented alias `action`. */
function actionType(action: Record<string, unknown>): unknown {
  const value = action.action_type;
  return value === undefined ? action.action : value;
}

/** Names every object inherits (`constructor`, `toString`…): present only when the action has them itself. */
export function isInheritedName(key: string): boolean {
  return key in Object.prototype;
}

function ownValue(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/** A getter for `path`; `undefined` from it means the field is missing. */
export function compileGetter(path: string): Getter {
  if (path === 'action_type') return actionType;
  const segments = path.split('.');
  if (segments.length === 1) return isInheritedName(path) ? (action) => ownValue(action, path) : (action) => action[path];
  if (segments.some(isInheritedName) || isInheritedName(path)) {
    return (action) => {
      const flat = ownValue(action, path);
      if (flat !== undefined) return flat;
      let value: unknown = action;
      for (const segment of segments) {
        value = ownValue(value, segment);
        if (value === undefined) return undefined;
      }
      return value;
    };
  }
  return (action) => {
    // A literal key containing dots wins over walking, so flat attributes such as "k8s.replicas" work too.
    const flat = action[path];
    if (flat !== undefined) return flat;
    let value: unknown = action;
    for (const segment of segments) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string, unknown>)[segment];
      if (value === undefined) return undefined;
    }
    return value;
  };
}
