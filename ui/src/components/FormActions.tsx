// The end of a form in a dialog: why its last attempt failed, Cancel, and the submit button,
// which says when the form is busy.
export function FormActions(props: {
  error?: string;
  busy: boolean;
  submit: string;
  busyLabel: string;
  disabled?: boolean;
  onCancel: () => void;
}) {
  return (
    <>
      {props.error && (
        <p class="field-error" role="alert">
          {props.error}
        </p>
      )}
      <footer class="dialog-actions flush">
        <button type="button" class="secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={props.busy || props.disabled}>
          {props.busy ? props.busyLabel : props.submit}
        </button>
      </footer>
    </>
  );
}
