import { serverSet, useStudio } from "../store/store";
import { Dialog } from "./ui/Dialog";

export function ConfirmDialog() {
  const confirm = useStudio((s) => s.confirm);
  if (!confirm) return null;
  const close = () => serverSet({ confirm: null });
  return (
    <Dialog onClose={close} className="confirm" role="alertdialog" closable>
      <p>{confirm.text}</p>
      <div className="row-actions">
        <button className="btn ghost" onClick={close} autoFocus>Cancel</button>
        <button className="btn danger" onClick={() => { close(); confirm.onYes(); }}>{confirm.yes ?? "Delete"}</button>
      </div>
    </Dialog>
  );
}
