// The JSON a PreToolUse hook prints for Claude Code: `hookSpecificOutput` with the permission
// decision, the reason (shown to Claude on deny, to the user on ask) and, if a person modified
// the call, the `updatedInput` to run instead.

export type PermissionDecision = 'allow' | 'deny' | 'ask';

export interface PreToolUseOutput {
  hookSpecificOutput: {
    hookEventName: 'PreToolUse';
    permissionDecision: PermissionDecision;
    permissionDecisionReason: string;
    updatedInput?: Record<string, unknown>;
  };
}

export function preToolUse(decision: PermissionDecision, reason: string, updatedInput?: Record<string, unknown>): PreToolUseOutput {
  return {
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision: decision,
      permissionDecisionReason: reason,
      ...(updatedInput === undefined ? {} : { updatedInput }),
    },
  };
}
