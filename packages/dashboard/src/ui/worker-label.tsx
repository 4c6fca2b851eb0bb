// Who produced a worker step's output, so that an approver reads it as that worker's word and
// not as the agent's or Tollgate's; the key id tells apart workers sharing a name.

import type { WorkerRef } from '../api/types.js';

export function WorkerLabel(props: { worker: WorkerRef | null | undefined }) {
  const { worker } = props;
  if (worker == null) return <span class="muted small worker-label">from an unrecorded worker</span>;
  return (
    <span class="muted small worker-label" title={`worker key ${worker.key_id}`}>
      from worker <strong>{worker.name}</strong>
    </span>
  );
}
