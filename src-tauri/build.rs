// The app's own commands get generated permissions (allow-<command>), so the capability file
// can name exactly the commands the window may call and nothing else.
const COMMANDS: &[&str] = &[
    "login",
    "logout",
    "status",
    "cart",
    "scan",
    "search",
    "add_sku",
    "set_quantity",
    "remove_line",
    "quick_keys",
    "begin_tender",
    "cancel_tender",
    "pay_cash",
    "pay_card",
    "complete",
    "park",
    "parked",
    "recall",
    "override_price",
    "set_line_discount",
    "void_sale",
    "find_sale",
    "preview_refund",
    "refund",
    "drawer",
    "denominations",
    "open_drawer",
    "new_document_id",
    "move_cash",
    "no_sale",
    "close_drawer",
    "x_report",
    "close_day",
    "closed_days",
    "z_report",
    "export_z_csv",
    "print_report",
    "export_z_pdf",
];

fn main() {
    let attributes = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build script");
}
