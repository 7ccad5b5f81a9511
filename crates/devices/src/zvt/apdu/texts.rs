//! Readable texts for ZVT result codes (PA00P015, chapter "Error-Messages") and intermediate
//! status codes (PA00P015, "Intermediate Status-Information", status-code table). The result
//! texts are written for a cashier: what happened and what to do next.

/// 99 texts for the authorisation-host codes 01-63 (hex), named by the decimal host code
/// (01-99) as the card issuer's systems number them.
macro_rules! host_code_texts {
    ($($code:literal)*) => {
        [$(concat!(
            "Declined by the card issuer (host code ", stringify!($code),
            "). Ask the customer for another card or another payment method."
        )),*]
    };
}

const HOST_CODE_TEXTS: [&str; 99] = host_code_texts!(
    01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33
    34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66
    67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99
);

/// What a ZVT result code (BMP 27, the result byte of Abort 06 1E) means, in a sentence a
/// cashier can act on. Codes 01-63 (hex) come from the card issuer's authorisation host;
/// 0x64 and up from the terminal (PA00P015, chapter "Error-Messages").
#[must_use]
pub fn result_text(code: u8) -> &'static str {
    match code {
        0x00 => "Completed successfully.",
        0x05 => {
            "Declined (do not honour): the card issuer refused the payment. Ask the customer for another card or \
             another payment method."
        }
        0x01..=0x63 => HOST_CODE_TEXTS[usize::from(code) - 1],
        0x64 => "The card could not be read. Ask the customer to insert or tap the card again.",
        0x65 => {
            "No card data found (neither chip nor stripe). Ask the customer to insert the card the right way round."
        }
        0x66 => "Processing error (possibly the card reader). Try again; if it repeats, use another payment method.",
        0x67 => "This function is not permitted for girocard and Maestro cards.",
        0x68 => "This function is not permitted for credit and fuel cards.",
        0x6A => "The terminal's turnover file is full. Run the end-of-day closing, then try again.",
        0x6B => "Function deactivated: the terminal is not registered. Reconnect the register to the terminal.",
        0x6C => "Cancelled: the customer pressed Stop, or the terminal timed out.",
        0x6E => "The card is on the blocked list. Ask for another payment method.",
        0x6F => "Wrong currency. Check the register's currency setting.",
        0x71 => "Not enough credit on the card's chip. Ask for another payment method.",
        0x72 => "Chip error. Ask the customer to insert the card again or to use another card.",
        0x73 => "The card data is incorrect. Ask for another card.",
        0x74 => "The terminal's encryption keys are used up (DUKPT). Call the terminal's service hotline.",
        0x75 => "Text not authentic. Call the terminal's service hotline.",
        0x76 => "The card number is not on the white list. Ask for another card.",
        0x77 => "The end-of-day closing is not possible right now. Try again later.",
        0x78 => "The card has expired. Ask for another card.",
        0x79 => "The card is not valid yet. Ask for another card.",
        0x7A => "The card is unknown to the terminal. Ask for another card.",
        0x7B | 0x7C => "The magnetic stripe cannot be used for this card. Insert the chip, or ask for another card.",
        0x7D => "Communication error: the terminal's network module does not answer. Check the terminal's connection.",
        0x7E => {
            "The magnetic stripe cannot be used; a direct debit may be possible. Insert the chip or ask for another card."
        }
        0x83 => "Function not possible. Try again; if it repeats, call the terminal's service hotline.",
        0x85 => "A key is missing in the terminal. Call the terminal's service hotline.",
        0x89 | 0xED => "The PIN pad is defective. Call the terminal's service hotline.",
        0x9A => "Protocol error between register and terminal. Try again; if it repeats, contact support.",
        0x9B => "Dial-up or communication fault. Check the terminal's network connection and try again.",
        0x9C => "The terminal is busy. Wait a moment, then repeat the process.",
        0xA0 => "The terminal is not ready to receive. Wait a moment and try again.",
        0xA1 => "The payment host does not answer. Try again; if it repeats, use another payment method.",
        0xA3 => "No connection to the payment host. Check the terminal's network connection.",
        0xA4 => "Geldkarte submission not possible.",
        0xA5 => "Function not allowed by the PCI-DSS/P2PE rules.",
        0xB1 => "The terminal's memory is full. Run the end-of-day closing.",
        0xB2 => "The merchant journal is full. Run the end-of-day closing.",
        0xB4 => "Already reversed: this payment has been cancelled before.",
        0xB5 => "Reversal not possible (for example after the end-of-day closing). Issue a refund instead.",
        0xB7 => "Pre-authorisation incorrect: amount too high or wrong.",
        0xB8 => "Pre-authorisation error.",
        0xBF => "The terminal's supply voltage is too low. Check its power supply.",
        0xC0 => "The card locking mechanism is defective. Call the terminal's service hotline.",
        0xC1 => "The merchant card is locked.",
        0xC2 => "The terminal needs a diagnosis. Run a diagnosis from the register, then try again.",
        0xC3 => "Maximum amount exceeded. Split the payment or use another payment method.",
        0xC4 => "Card profile invalid: new card profiles must be loaded. Call the terminal's service hotline.",
        0xC5 => "This payment method is not supported.",
        0xC6 => "This currency cannot be used.",
        0xC8 => "The amount is too small.",
        0xC9 => "The maximum transaction amount is too small.",
        0xCB => "This function is only allowed in euro.",
        0xCC => "The terminal's printer is not ready. Check the paper roll.",
        0xCD => "Cashback is not possible.",
        0xD2 => "Function not permitted for service cards or bank customer cards.",
        0xDC => "A card is still inserted. Ask the customer to remove it.",
        0xDD => "Error while ejecting the card.",
        0xDE => "Error while inserting the card.",
        0xE0 => "Remote maintenance is running on the terminal. Wait until it has finished.",
        0xE2 => "The card reader does not answer or is defective. Call the terminal's service hotline.",
        0xE3 => "The card reader's shutter is closed.",
        0xE4 => "The terminal must be activated. Call the terminal's service hotline.",
        0xE7 => "At least one goods group was not found.",
        0xE8 => "No goods-group table is loaded.",
        0xE9 => "Restriction code not permitted.",
        0xEA => "Card code not permitted (the card is not activated).",
        0xEB => "Function not executable: PIN algorithm unknown.",
        0xEC => "PIN processing is not possible.",
        0xF0 => "An end-of-day closing is still open. Run the end-of-day closing first.",
        0xF1 => "ec-cash/Maestro offline error.",
        0xF5 => "OPT error. Call the terminal's service hotline.",
        0xF6 => "OPT data not available: the terminal needs personalising. Call the terminal's service hotline.",
        0xFA => "Error sending offline transactions (clearing error). Call the terminal's service hotline.",
        0xFB => "Turnover data set defective. Call the terminal's service hotline.",
        0xFC => "A device the terminal needs is missing or defective.",
        0xFD => "Baud rate not supported.",
        0xFE => "Register unknown.",
        0xFF => "System error in the terminal. Try again; if it repeats, restart the terminal.",
        _ => "Unknown terminal error. Try again; if it repeats, contact support.",
    }
}

/// "`text`, please remove card": the 0x41-0x67 codes repeat 0x01-0x27 for a card still inserted.
macro_rules! remove_card {
    ($text:literal) => {
        concat!($text, ". Please remove card")
    };
}

/// What an intermediate status code (04 FF) tells the customer or cashier, as the terminal's
/// display would (PA00P015, "Intermediate Status-Information").
#[must_use]
pub fn intermediate_text(code: u8) -> &'static str {
    match code {
        0x00 => "Waiting for the amount to be confirmed",
        0x01 | 0x02 => "Please watch the PIN pad",
        0x03 => "Not accepted",
        0x04 => "Waiting for the payment host",
        0x05 => "Sending automatic reversal",
        0x06 => "Sending post-bookings",
        0x07 => "Card not admitted",
        0x08 => "Card unknown",
        0x09 => "Card expired",
        0x0A => "Insert card",
        0x0B | 0x4A | 0x4B => "Please remove card",
        0x0C => "Card not readable",
        0x0D => "Processing error",
        0x0E | 0x17 => "Please wait",
        0x0F => "Automatic end-of-day closing in progress",
        0x10 => "Invalid card",
        0x11 => "Showing balance",
        0x12 => "System malfunction",
        0x13 => "Payment not possible",
        0x14 => "Credit not sufficient",
        0x15 => "Incorrect PIN",
        0x16 => "Limit not sufficient",
        0x18 => "PIN try limit exceeded",
        0x19 => "Card data incorrect",
        0x1A => "Service mode",
        0x1B => "Approved, please fill up",
        0x1C => "Approved, please take the goods",
        0x1D => "Declined",
        0x26 => "Enter the mobile phone number",
        0x27 => "Repeat the mobile phone number",
        0x28 => "Currency selection, please wait",
        0x29 => "Language selection, please wait",
        0x2A => "For loading, please insert card",
        0x2B => "Emergency transaction, please wait",
        0x2C => "Application selection, please wait",
        0x41 | 0x42 => remove_card!("Please watch the PIN pad"),
        0x43 => remove_card!("Not accepted"),
        0x44 => remove_card!("Waiting for the payment host"),
        0x45 => remove_card!("Sending automatic reversal"),
        0x46 => remove_card!("Sending post-bookings"),
        0x47 => remove_card!("Card not admitted"),
        0x48 => remove_card!("Card unknown"),
        0x49 => remove_card!("Card expired"),
        0x4C => remove_card!("Card not readable"),
        0x4D => remove_card!("Processing error"),
        0x4E | 0x57 => remove_card!("Please wait"),
        0x4F => remove_card!("Automatic end-of-day closing in progress"),
        0x50 => remove_card!("Invalid card"),
        0x51 => remove_card!("Showing balance"),
        0x52 => remove_card!("System malfunction"),
        0x53 => remove_card!("Payment not possible"),
        0x54 => remove_card!("Credit not sufficient"),
        0x55 => remove_card!("Incorrect PIN"),
        0x56 => remove_card!("Limit not sufficient"),
        0x58 => remove_card!("PIN try limit exceeded"),
        0x59 => remove_card!("Card data incorrect"),
        0x5A => remove_card!("Service mode"),
        0x5B => remove_card!("Approved, please fill up"),
        0x5C => remove_card!("Approved, please take the goods"),
        0x5D => remove_card!("Declined"),
        0x66 => remove_card!("Enter the mobile phone number"),
        0x67 => remove_card!("Repeat the mobile phone number"),
        0x68 => "Customer card inserted",
        0xC7 => "Enter the mileage",
        0xC8 => "Waiting for the cashier",
        0xC9 => "Automatic diagnosis in progress",
        0xCA => "Automatic initialisation in progress",
        0xCB => "Merchant journal full",
        0xCC => "Direct debit not possible, PIN required",
        0xD2 => "Dialling up",
        0xD3 => "Dial-up connection made",
        0xE0 => "Choose the card application",
        0xE1 => "Choose the language",
        0xE2 => "Please use the cleaning card",
        0xF1 => "Offline",
        0xF2 => "Online",
        0xF3 => "Offline transaction",
        0xFF => "See the terminal's display",
        _ => "Terminal busy",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_texts() {
        assert_eq!(result_text(0x00), "Completed successfully.");
        assert!(result_text(0x05).starts_with("Declined (do not honour)"));
        assert_eq!(
            result_text(0x33),
            "Declined by the card issuer (host code 51). Ask the customer for another card or another payment method."
        );
        assert!(result_text(0x01).contains("(host code 01)"));
        assert!(result_text(0x63).contains("(host code 99)"));
        assert_eq!(result_text(0x6C), "Cancelled: the customer pressed Stop, or the terminal timed out.");
        assert!(result_text(0x78).contains("expired"));
        assert!(result_text(0xB4).contains("Already reversed"));
        assert!(result_text(0xFF).contains("System error"));
        assert!(result_text(0x90).starts_with("Unknown"));
        for code in 0..=u8::MAX {
            assert!(result_text(code).ends_with('.'), "{code:#04x} is a full sentence");
        }
    }

    #[test]
    fn intermediate_texts() {
        assert_eq!(intermediate_text(0x0A), "Insert card");
        assert_eq!(intermediate_text(0x17), "Please wait");
        assert_eq!(intermediate_text(0x4C), "Card not readable. Please remove card");
        assert_eq!(intermediate_text(0x99), "Terminal busy");
    }
}
