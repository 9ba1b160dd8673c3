import { serverSet, useStudio } from "../store/store";

export function ConfirmDialog() {
  const confirm = useStudio((s) => s.confirm);
  if (!confirm) return null;
  const close = () => serverSet({ confirm: null });
  return (
    <div className="modal-backdrop" onMouseDown={close}>
      <div className="modal confirm" role="alertdialog" onMouseDown={(e) => e.stopPropagation()}>
        <p>{confirm.text}</p>
        <div className="row-actions">
          <button className="btn ghost" onClick={close} autoFocus>Cancel</button>
          <button className="btn danger" onClick={() => { close(); confirm.onYes(); }}>Delete</button>
        </div>
      </div>
    </div>
  );
}
