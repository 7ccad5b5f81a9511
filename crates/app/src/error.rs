//! The app's one error type. Across IPC it becomes `{code, message}`: the code is stable for
//! the UI to switch on, the message is a sentence for the cashier.

use ringup_domain::DomainError;
use ringup_domain::permission::Permission;
use ringup_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Domain(#[from] DomainError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("no item found for {0:?}: scan again or search by name")]
    UnknownCode(String),
    #[error("there is no sale in progress")]
    NoSale,
    #[error("a sale is already in progress: finish, park or void it first")]
    SaleInProgress,
    #[error("card terminal: {0}")]
    Card(String),
    #[error("{0} earlier card payment(s) still have an unknown outcome: check them with the terminal first")]
    CardUnresolved(usize),
    #[error("{0}")]
    Printer(ringup_devices::printer::PrinterError),
    #[error("sign in first")]
    NotSignedIn,
    #[error("that PIN is not right: try again")]
    WrongPin,
    #[error("no {0} is set up: a technician can add one")]
    NoDevice(&'static str),
    #[error("a manager's PIN is needed to {}", .0.action())]
    ApprovalNeeded(Permission),
    #[error("{name} may not {}", .permission.action())]
    NotPermitted { name: String, permission: Permission },
    #[error("{0}")]
    Input(String),
    #[error("no sale has the receipt {0:?}: check it, then scan or type it again")]
    NoSuchReceipt(String),
    #[error("the card terminal did not refund: {0}")]
    RefundDeclined(String),
    #[error("too many wrong PINs: PIN entry is locked for {seconds} more seconds")]
    LockedOut { seconds: i64 },
    #[error("pairing with the back end failed: {0}")]
    Backend(String),
}

impl AppError {
    /// A stable, machine-readable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Domain(DomainError::Barcode(_)) => "bad_barcode",
            AppError::Domain(DomainError::NotFullyPaid { .. }) => "not_fully_paid",
            AppError::Domain(DomainError::InvalidState { .. }) => "invalid_state",
            AppError::Domain(_) => "invalid_input",
            AppError::Store(StoreError::Import(_)) => "import_failed",
            AppError::Store(StoreError::NotFound(_)) => "not_found",
            AppError::Store(StoreError::Conflict(_)) => "conflict",
            // A rule the store checked on what it was given (say, refunding more than was sold).
            AppError::Store(StoreError::Domain(_)) => "invalid_input",
            AppError::Store(_) => "storage",
            AppError::UnknownCode(_) => "unknown_code",
            AppError::NoSale => "no_sale",
            AppError::SaleInProgress => "sale_in_progress",
            AppError::Card(_) => "card_terminal",
            AppError::CardUnresolved(_) => "card_unresolved",
            AppError::Printer(_) => "printer",
            AppError::NotSignedIn => "not_signed_in",
            AppError::WrongPin => "wrong_pin",
            AppError::NoDevice(_) => "no_device",
            AppError::ApprovalNeeded(_) => "approval_needed",
            AppError::NotPermitted { .. } => "not_permitted",
            AppError::RefundDeclined(_) => "refund_declined",
            AppError::Input(_) => "invalid_input",
            AppError::NoSuchReceipt(_) => "unknown_code",
            AppError::LockedOut { .. } => "locked_out",
            AppError::Backend(_) => "backend",
        }
    }
}
