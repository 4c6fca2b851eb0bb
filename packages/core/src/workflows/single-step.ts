// Single-stage requests as one-step workflows, so that every approval runs through one engine.

import type { ApprovalRoute, Defaults, WorkflowSpec, WorkflowStep } from '../policy/types.js';

export type { WorkflowSpec };
export type ApprovalStep = Extract<WorkflowStep, { type: 'approval' }>;

export const SINGLE_STEP_ID = 'approval';

/** The workflow of a request whose rule names approvers (or nobody) instead of a workflow. */
export function singleStepWorkflow(route: ApprovalRoute | undefined, defaults: Defaults): WorkflowSpec {
  const criteria = route?.criteria ?? defaults.criteria;
  const modifiable = route?.modifiable ?? defaults.modifiable;
  const step: ApprovalStep = {
    id: SINGLE_STEP_ID,
    type: 'approval',
    depends_on: [],
    config: {
      approvers: route?.approvers ?? defaults.approvers ?? [],
      require: route?.require ?? defaults.require ?? 1,
      distinct_from: [],
      ...(criteria === undefined ? {} : { criteria }),
      ...(modifiable === undefined ? {} : { modifiable }),
    },
  };
  return { name: SINGLE_STEP_ID, steps: [step] };
}

/** A named workflow with the rule's criteria and modifiable fields filled into steps that set none. */
export function withRouteDefaults(workflow: WorkflowSpec, route: ApprovalRoute | undefined): WorkflowSpec {
  if (route === undefined) return workflow;
  return {
    ...workflow,
    steps: workflow.steps.map((step) => {
      if (step.type !== 'approval') return step;
      const criteria = step.config.criteria ?? route.criteria;
      const modifiable = step.config.modifiable ?? route.modifiable;
      return {
        ...step,
        config: { ...step.config, ...(criteria === undefined ? {} : { criteria }), ...(modifiable === undefined ? {} : { modifiable }) },
      };
    }),
  };
}
