// A row of buttons of which one is on (pressed): the view switches of the inbox, the review
// queue and the diff. Plain buttons keep the keyboard behaviour every user already knows.

export function ToggleGroup<T extends string>(props: {
  label: string;
  options: readonly (readonly [T, string])[];
  value: T;
  onChange: (value: T) => void;
}) {
  return (
    <div class="segmented" role="group" aria-label={props.label}>
      {props.options.map(([value, label]) => (
        <button key={value} type="button" aria-pressed={props.value === value} onClick={() => props.onChange(value)}>
          {label}
        </button>
      ))}
    </div>
  );
}
