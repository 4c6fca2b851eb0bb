// Small labels for risk and status; the text carries the meaning, colour only reinforces it.

export function RiskBadge(props: { risk: string | null | undefined }) {
  const risk = props.risk ?? 'unrated';
  return <span class={`badge risk-${risk}`}>{risk === 'unrated' ? 'risk not rated' : `${risk} risk`}</span>;
}

export function StatusBadge(props: { status: string }) {
  return <span class={`badge status-${props.status}`}>{props.status.replace(/_/g, ' ')}</span>;
}
