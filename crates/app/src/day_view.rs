//! What the manager's day screen is shown: the drawer, an X or Z report, the closed days.
//! Amounts are minor units; times are the till's local time as printed on receipts.
//! The TypeScript types are generated from these (`cargo xtask gen-bindings`).

use ringup_domain::report::{CashCount, CountAmount, DayTotals};
use ringup_domain::tax::format_rate;
use ringup_store::{DrawerCount, Period, ZReport};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// How many of one note or coin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DenominationView {
    #[ts(type = "number")]
    pub value_minor: i64,
    pub count: u32,
}

/// A count of cash by note and coin, as typed on the count screen.
pub fn cash_count(lines: &[DenominationView]) -> CashCount {
    let mut counts = BTreeMap::new();
    for l in lines.iter().filter(|l| l.count > 0) {
        *counts.entry(l.value_minor).or_insert(0) += l.count;
    }
    CashCount { counts }
}

/// The drawer as the one who counts it may see it (blind: not what it should hold).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DrawerView {
    pub opened_by: String,
    pub opened_at: String,
    #[ts(type = "number")]
    pub float_minor: i64,
    /// The notes and coins a count is made of, largest first.
    #[ts(type = "Array<number>")]
    pub denominations: Vec<i64>,
}

/// A blind count, once recorded: now what it should have been may be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DrawerCountView {
    #[ts(type = "number")]
    pub counted_minor: i64,
    #[ts(type = "number")]
    pub expected_minor: i64,
    /// Counted minus expected: negative is a shortage.
    #[ts(type = "number")]
    pub variance_minor: i64,
}

impl From<DrawerCount> for DrawerCountView {
    fn from(c: DrawerCount) -> Self {
        DrawerCountView {
            counted_minor: c.counted_minor,
            expected_minor: c.expected_minor,
            variance_minor: c.variance_minor,
        }
    }
}

/// One row of a report table: a name, how many, how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReportRowView {
    pub label: String,
    #[ts(type = "number")]
    pub count: u64,
    #[ts(type = "number")]
    pub amount_minor: i64,
}

fn row(label: impl Into<String>, c: &CountAmount) -> ReportRowView {
    ReportRowView { label: label.into(), count: c.count, amount_minor: c.amount_minor }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TenderRowView {
    pub kind: String,
    #[ts(type = "number")]
    pub sales_minor: i64,
    #[ts(type = "number")]
    pub refunds_minor: i64,
    #[ts(type = "number")]
    pub net_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TaxRowView {
    /// "19 %".
    pub rate: String,
    #[ts(type = "number")]
    pub net_minor: i64,
    #[ts(type = "number")]
    pub tax_minor: i64,
    #[ts(type = "number")]
    pub gross_minor: i64,
}

/// Our card total of a card type beside the terminal's end-of-day total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CardCheckView {
    pub card_type: String,
    #[ts(type = "number")]
    pub ours_minor: i64,
    #[ts(type = "number | null")]
    pub terminal_minor: Option<i64>,
    pub matches: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CashReportView {
    #[ts(type = "number")]
    pub floats_minor: i64,
    #[ts(type = "number")]
    pub sales_minor: i64,
    #[ts(type = "number")]
    pub refunds_minor: i64,
    pub pay_ins: ReportRowView,
    pub pay_outs: ReportRowView,
    pub drops: ReportRowView,
    /// What the drawers should hold now.
    #[ts(type = "number")]
    pub expected_minor: i64,
    /// What the drawers counted in this period were counted at, and should have held; null
    /// while none was counted.
    #[ts(type = "number | null")]
    pub counted_minor: Option<i64>,
    #[ts(type = "number | null")]
    pub variance_minor: Option<i64>,
}

/// An X report (`z_no` is the number the coming Z will carry) or a Z report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReportView {
    /// "X" or "Z".
    pub kind: String,
    #[ts(type = "number")]
    pub z_no: u64,
    pub register_id: String,
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub approved_by: Option<String>,
    pub sales: ReportRowView,
    pub refunds: ReportRowView,
    #[ts(type = "number")]
    pub net_sales_minor: i64,
    pub voided_sales: ReportRowView,
    pub voided_lines: ReportRowView,
    pub discounts: ReportRowView,
    pub price_overrides: ReportRowView,
    #[ts(type = "number")]
    pub no_sales: u64,
    pub tenders: Vec<TenderRowView>,
    pub tax_rates: Vec<TaxRowView>,
    pub categories: Vec<ReportRowView>,
    pub cashiers: Vec<ReportRowView>,
    /// Sales by hour of the day ("09" … "21"), only the hours that had any.
    pub hours: Vec<ReportRowView>,
    pub card_types: Vec<ReportRowView>,
    pub cash: CashReportView,
    /// Our card totals beside the terminal's; empty when no terminal took part.
    pub card_checks: Vec<CardCheckView>,
    pub card_mismatch: bool,
    #[ts(type = "number | null")]
    pub grand_sales_minor: Option<i64>,
    #[ts(type = "number | null")]
    pub grand_refunds_minor: Option<i64>,
}

fn totals_view(kind: &str, z_no: u64, register_id: &str, opened_at: String, t: &DayTotals) -> ReportView {
    let counted = (t.cash.counted.count > 0).then_some(t.cash.counted.amount_minor);
    ReportView {
        kind: kind.into(),
        z_no,
        register_id: register_id.into(),
        opened_at,
        closed_at: None,
        closed_by: None,
        approved_by: None,
        sales: row("Sales", &t.sales),
        refunds: row("Refunds", &t.refunds),
        net_sales_minor: t.net_sales_minor(),
        voided_sales: row("Voided sales", &t.voided_sales),
        voided_lines: row("Removed lines", &t.voided_lines),
        discounts: row("Discounts", &t.discounts),
        price_overrides: row("Price changes", &t.price_overrides),
        no_sales: t.no_sales,
        tenders: t
            .by_tender
            .iter()
            .map(|(kind, x)| TenderRowView {
                kind: kind.clone(),
                sales_minor: x.sales.amount_minor,
                refunds_minor: x.refunds.amount_minor,
                net_minor: x.net_minor(),
            })
            .collect(),
        tax_rates: t
            .by_tax_rate
            .iter()
            .map(|(rate, x)| TaxRowView {
                rate: format!("{} %", format_rate(*rate)),
                net_minor: x.net_minor,
                tax_minor: x.tax_minor,
                gross_minor: x.gross_minor,
            })
            .collect(),
        categories: t.by_category.iter().map(|(name, c)| row(name.clone(), c)).collect(),
        cashiers: t.by_cashier.iter().map(|(name, c)| row(name.clone(), c)).collect(),
        hours: t.by_hour.iter().map(|(hour, c)| row(format!("{hour:02}"), c)).collect(),
        card_types: t.by_card_type.iter().map(|(name, c)| row(name.clone(), c)).collect(),
        cash: CashReportView {
            floats_minor: t.cash.floats_minor,
            sales_minor: t.cash.sales_minor,
            refunds_minor: t.cash.refunds_minor,
            pay_ins: row("Pay-ins", &t.cash.pay_ins),
            pay_outs: row("Pay-outs", &t.cash.pay_outs),
            drops: row("Drops", &t.cash.drops),
            expected_minor: t.cash.expected_minor(),
            counted_minor: counted,
            variance_minor: counted.map(|_| t.cash.variance_minor()),
        },
        card_checks: Vec::new(),
        card_mismatch: false,
        grand_sales_minor: None,
        grand_refunds_minor: None,
    }
}

/// The X report of an open period.
pub fn x_view(p: &Period, local_text: impl Fn(i64) -> String) -> ReportView {
    totals_view("X", p.z_no, &p.register_id, local_text(p.opened_ms), &p.totals)
}

/// A Z report as closed.
pub fn z_view(z: &ZReport, local_text: impl Fn(i64) -> String) -> ReportView {
    let mut view = totals_view("Z", z.z_no, &z.register_id, local_text(z.opened_ms), &z.totals);
    view.closed_at = Some(local_text(z.closed_ms));
    view.closed_by = Some(z.closed_by.clone());
    view.approved_by = z.approved_by.clone();
    view.card_checks = z
        .cards
        .iter()
        .flatten()
        .map(|c| CardCheckView {
            card_type: c.card_type.clone(),
            ours_minor: c.ours_minor,
            terminal_minor: c.terminal_minor,
            matches: c.matches,
        })
        .collect();
    view.card_mismatch = z.card_mismatch();
    view.grand_sales_minor = Some(z.grand_sales_minor);
    view.grand_refunds_minor = Some(z.grand_refunds_minor);
    view
}

/// A closed day in the list of past closes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ClosedDayView {
    #[ts(type = "number")]
    pub z_no: u64,
    pub closed_at: String,
    #[ts(type = "number")]
    pub net_sales_minor: i64,
    pub card_mismatch: bool,
}

/// The report as CSV (one "section;label;count;amount" row per figure, amounts in minor
/// units, `;`-separated as spreadsheets in the store's locale expect): for the accountant.
pub fn csv(report: &ReportView) -> String {
    let mut out = String::from("section;label;count;amount_minor\n");
    let mut put = |section: &str, label: &str, count: String, amount: i64| {
        let clean = |s: &str| s.replace([';', '\n', '\r'], " ");
        out.push_str(&format!("{};{};{count};{amount}\n", clean(section), clean(label)));
    };
    put("report", &format!("{} {}", report.kind, report.z_no), String::new(), 0);
    for r in [
        &report.sales,
        &report.refunds,
        &report.voided_sales,
        &report.voided_lines,
        &report.discounts,
        &report.price_overrides,
    ] {
        put("summary", &r.label, r.count.to_string(), r.amount_minor);
    }
    put("summary", "Net sales", String::new(), report.net_sales_minor);
    put("summary", "No sales", report.no_sales.to_string(), 0);
    for t in &report.tenders {
        put("tender", &format!("{} sales", t.kind), String::new(), t.sales_minor);
        put("tender", &format!("{} refunds", t.kind), String::new(), t.refunds_minor);
    }
    for t in &report.tax_rates {
        put("tax", &format!("{} net", t.rate), String::new(), t.net_minor);
        put("tax", &format!("{} tax", t.rate), String::new(), t.tax_minor);
        put("tax", &format!("{} gross", t.rate), String::new(), t.gross_minor);
    }
    for (section, rows) in [
        ("category", &report.categories),
        ("cashier", &report.cashiers),
        ("hour", &report.hours),
        ("card type", &report.card_types),
    ] {
        for r in rows {
            put(section, &r.label, r.count.to_string(), r.amount_minor);
        }
    }
    let c = &report.cash;
    put("cash", "Floats", String::new(), c.floats_minor);
    put("cash", "Cash sales", String::new(), c.sales_minor);
    put("cash", "Cash refunds", String::new(), c.refunds_minor);
    for r in [&c.pay_ins, &c.pay_outs, &c.drops] {
        put("cash", &r.label, r.count.to_string(), r.amount_minor);
    }
    put("cash", "Expected", String::new(), c.expected_minor);
    if let (Some(counted), Some(variance)) = (c.counted_minor, c.variance_minor) {
        put("cash", "Counted", String::new(), counted);
        put("cash", "Variance", String::new(), variance);
    }
    for k in &report.card_checks {
        put("card check", &format!("{} ours", k.card_type), String::new(), k.ours_minor);
        if let Some(t) = k.terminal_minor {
            put("card check", &format!("{} terminal", k.card_type), String::new(), t);
        }
    }
    if let (Some(sales), Some(refunds)) = (report.grand_sales_minor, report.grand_refunds_minor) {
        put("grand total", "Sales", String::new(), sales);
        put("grand total", "Refunds", String::new(), refunds);
    }
    out
}

/// The report as printed on the receipt printer: `columns` characters a line, labels left,
/// amounts right, the same figures as on screen.
pub fn report_text(report: &ReportView, currency: &ringup_domain::Currency, columns: usize) -> Vec<String> {
    use ringup_domain::receipt::two_columns;
    let money = |m: i64| currency.format_minor(m);
    let rule = "-".repeat(columns);
    let mut out = vec![format!("{} REPORT {}", report.kind, report.z_no), format!("Register {}", report.register_id)];
    out.push(format!("From {}", report.opened_at));
    if let Some(closed) = &report.closed_at {
        out.push(format!("Closed {closed} by {}", report.closed_by.as_deref().unwrap_or("-")));
    }
    if let Some(approver) = &report.approved_by {
        out.push(format!("Approved by {approver}"));
    }
    let counted =
        |r: &ReportRowView| two_columns(&format!("{} ({})", r.label, r.count), &money(r.amount_minor), columns);
    let section = |out: &mut Vec<String>, title: &str, rows: Vec<String>| {
        if !rows.is_empty() {
            out.push(rule.clone());
            out.push(title.to_string());
            out.extend(rows);
        }
    };
    section(&mut out, "SALES", {
        let mut rows: Vec<String> = [&report.sales, &report.refunds].into_iter().map(counted).collect();
        rows.push(two_columns("Net sales", &money(report.net_sales_minor), columns));
        rows
    });
    section(
        &mut out,
        "TENDERS (net)",
        report.tenders.iter().map(|t| two_columns(&t.kind, &money(t.net_minor), columns)).collect(),
    );
    section(
        &mut out,
        "TAX (net / tax / gross)",
        report
            .tax_rates
            .iter()
            .map(|t| {
                let figures = format!("{} {} {}", money(t.net_minor), money(t.tax_minor), money(t.gross_minor));
                two_columns(&t.rate, &figures, columns)
            })
            .collect(),
    );
    for (title, rows) in [
        ("CATEGORIES", &report.categories),
        ("CASHIERS", &report.cashiers),
        ("BY HOUR", &report.hours),
        ("CARD TYPES", &report.card_types),
    ] {
        section(&mut out, title, rows.iter().map(counted).collect());
    }
    section(
        &mut out,
        "CORRECTIONS",
        [&report.voided_sales, &report.voided_lines, &report.discounts, &report.price_overrides]
            .into_iter()
            .map(counted)
            .chain(std::iter::once(two_columns("No sales", &report.no_sales.to_string(), columns)))
            .collect(),
    );
    let c = &report.cash;
    let mut cash = vec![
        two_columns("Floats", &money(c.floats_minor), columns),
        two_columns("Cash sales", &money(c.sales_minor), columns),
        two_columns("Cash refunds", &money(c.refunds_minor), columns),
        counted(&c.pay_ins),
        counted(&c.pay_outs),
        counted(&c.drops),
        two_columns("Expected", &money(c.expected_minor), columns),
    ];
    if let (Some(counted_minor), Some(variance)) = (c.counted_minor, c.variance_minor) {
        cash.push(two_columns("Counted", &money(counted_minor), columns));
        cash.push(two_columns("Variance", &money(variance), columns));
    }
    section(&mut out, "CASH", cash);
    section(
        &mut out,
        "CARD TERMINAL CHECK",
        report
            .card_checks
            .iter()
            .map(|k| {
                let theirs = k.terminal_minor.map_or_else(|| "none".to_string(), money);
                let mark = if k.matches { "ok" } else { "MISMATCH" };
                two_columns(&format!("{} {mark}", k.card_type), &format!("{} / {theirs}", money(k.ours_minor)), columns)
            })
            .collect(),
    );
    if let (Some(sales), Some(refunds)) = (report.grand_sales_minor, report.grand_refunds_minor) {
        section(
            &mut out,
            "GRAND TOTALS",
            vec![two_columns("Sales", &money(sales), columns), two_columns("Refunds", &money(refunds), columns)],
        );
    }
    out
}
