//! The end-to-end day, on the real app after the sale journeys: the cashier opens the drawer
//! with a counted float, rings up a cash sale and a card sale, refunds the cash one with the
//! manager's PIN, counts the drawer blind one euro short and closes the day with the manager's
//! PIN; the Z is then checked on screen, printed (sim-printer), and exported as CSV and PDF.

use crate::webdriver::{Session, wait_for};
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::time::Duration;

const COFFEE: &str = "4012345000016";

/// The approval dialog a cashier's privileged action opens: Maria's PIN.
fn approve(s: &Session) -> Result<()> {
    let pin = wait_for("the approval dialog's PIN", || s.by_role("textbox", "Manager PIN"))?;
    s.type_into(&pin, "9999")?;
    s.click(&s.by_role("button", "Approve")?)
}

/// Money as the page writes it (de-DE): a no-break space before the euro sign.
fn eur(amount: &str) -> String {
    format!("{amount}\u{a0}€")
}

fn page_says(s: &Session, what: &str) -> Result<()> {
    wait_for(&format!("the page to say {what:?}"), || {
        if s.page_text()?.contains(what) { Ok(()) } else { bail!("not yet") }
    })
}

fn count(s: &Session, counts: &[(&str, &str)]) -> Result<()> {
    for (denomination, n) in counts {
        let field = wait_for(&format!("the count of {denomination} €"), || {
            s.by_role("textbox", &format!("Count of {}", eur(denomination)))
        })?;
        s.type_into(&field, n)?;
    }
    Ok(())
}

fn open_day(s: &Session) -> Result<()> {
    s.click(&wait_for("the Day button", || s.by_role("button", "Day (F4)"))?)
}

/// Runs the day on the Done screen the sale journeys end on. `sales_before` receipts were
/// printed before; the day's sales are the next two receipt numbers.
pub(crate) fn run(s: &Session, shots: &Path, sales_before: u64) -> Result<()> {
    s.click(&s.by_role("button", "New sale (Enter)")?)?;
    open_day(s)?;
    count(s, &[("10,00", "10")])?;
    s.click(&s.by_role("button", "Open drawer with this float")?)?;
    wait_for("the open drawer's actions", || s.by_role("button", "Pay in"))?;
    // The DOM has changed; give the window a moment to paint it before the screenshot.
    std::thread::sleep(Duration::from_millis(700));
    s.screenshot(&shots.join("8-day-drawer-open.png"))?;
    s.click(&s.by_role("button", "Back to sale (Esc)")?)?;

    // A cash sale, exact.
    let scan = wait_for("the scan field", || s.by_role("textbox", "Scan or search"))?;
    s.type_into(&scan, &format!("{COFFEE}\n"))?;
    wait_for("the coffee in the cart", || s.cart_lines_at_least(1))?;
    s.click(&s.by_role("button", "Cash (F9)")?)?;
    s.click(&wait_for("the exact cash", || s.by_role_prefix("button", "Cash 14,99"))?)?;
    wait_for("the cash sale done", || s.by_label("Change due"))?;
    // A card sale.
    crate::e2e::coffee_with_card_amount(s, "14,99")?;
    wait_for("the card sale done", || s.by_label("Change due"))?;

    // The cash sale comes back, with Maria's PIN.
    s.click(&s.by_role("button", "New sale (Enter)")?)?;
    s.click(&wait_for("the Returns button", || s.by_role("button", "Returns (F8)"))?)?;
    let receipt = wait_for("the receipt field", || s.by_role("textbox", "Receipt"))?;
    s.type_into(&receipt, &format!("R1-{}", sales_before + 1))?;
    s.click(&s.by_role("button", "Find")?)?;
    let quantity = wait_for("the quantity to return", || s.by_role_prefix("textbox", "Return quantity of"))?;
    s.type_into(&quantity, "1")?;
    page_says(s, "14,99")?;
    s.click(&wait_for("the Refund button", || s.by_role("button", "Refund"))?)?;
    approve(s)?;
    let done = wait_for("the refund done", || s.by_role("button", "Done (Enter)"))?;
    s.screenshot(&shots.join("9-refund-with-override.png"))?;
    s.click(&done)?;

    // The blind count: 100,00 € float, the cash sale in and out again; 99,00 € counted.
    open_day(s)?;
    s.click(&wait_for("the count button", || s.by_role("button", "Count and close drawer"))?)?;
    count(s, &[("10,00", "9"), ("1,00", "9")])?;
    if s.page_text()?.contains("Expected") {
        bail!("the count is not blind: the page shows what the drawer should hold before the count");
    }
    s.click(&s.by_role("button", "Close drawer with this count")?)?;
    page_says(s, &format!("Short by {}", eur("1,00")))?;
    s.screenshot(&shots.join("10-blind-count.png"))?;

    // The Z, with Maria's PIN.
    s.click(&s.by_role("button", "Close the day (Z)")?)?;
    let yes = wait_for("the close confirmation", || s.by_role("button", "Yes, close the day"))?;
    std::thread::sleep(Duration::from_millis(300)); // its id arrives as the dialog opens
    s.click(&yes)?;
    approve(s)?;
    wait_for("the Z on screen", || s.by_role("heading", "Z report 1"))?;
    page_says(s, &format!("{} (Short by {})", eur("-1,00"), eur("1,00")))?;
    // Our card totals beside the simulated terminal's own end of day, per card type.
    page_says(s, "Matches")?;
    if s.page_text()?.contains("Mismatch") {
        bail!("the Z says our card totals differ from the terminal's");
    }
    s.screenshot(&shots.join("11-z-report.png"))?;

    s.click(&s.by_role("button", "Print Z 1")?)?;
    approve(s)?;
    page_says(s, "Z 1 was sent to the receipt printer.")?;
    s.click(&s.by_role("button", "Past closes")?)?;
    approve(s)?;
    s.click(&wait_for("the CSV export", || s.by_role("button", "Export CSV of Z 1"))?)?;
    approve(s)?;
    page_says(s, "z-R1-0001.csv")?;
    s.click(&s.by_role("button", "Export PDF of Z 1")?)?;
    approve(s)?;
    page_says(s, "z-R1-0001.pdf")?;
    eprintln!("e2e: the day closed: Z 1 shown, printed and exported");
    Ok(())
}

/// The Z's variance (-1,00) and refund in the CSV, the PDF and the printed Z.
pub(crate) fn check_outputs(exports: &Path, receipts: &Path) -> Result<()> {
    let csv = std::fs::read_to_string(exports.join("z-R1-0001.csv")).context("the CSV export")?;
    for row in ["\ncash;Variance;;-100\n", "\nsummary;Refunds;1;1499\n", "\ncash;Counted;;9900\n"] {
        if !csv.contains(row) {
            bail!("the CSV lacks {row:?}:\n{csv}");
        }
    }
    let pdf = std::fs::read(exports.join("z-R1-0001.pdf")).context("the PDF export")?;
    let pdf_text = String::from_utf8_lossy(&pdf);
    if !pdf.starts_with(b"%PDF-") || !pdf_text.contains("(Z REPORT 1) Tj") || !pdf_text.contains("-1.00) Tj") {
        bail!("the PDF does not hold the Z with its variance");
    }
    let mut printed_z = None;
    for entry in std::fs::read_dir(receipts)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "txt") {
            let text = std::fs::read_to_string(&path)?;
            if text.contains("Z REPORT 1") {
                printed_z = Some(text);
            }
        }
    }
    let printed = printed_z.context("no Z came out of the printer")?;
    let variance = printed.lines().find(|l| l.starts_with("Variance")).context("the printed Z has no variance")?;
    if !variance.trim_end().ends_with("-1.00") {
        bail!("the printed Z's variance line is {variance:?}");
    }
    eprintln!("e2e: the Z's variance of -1,00 is in the CSV, the PDF and on paper");
    Ok(())
}
