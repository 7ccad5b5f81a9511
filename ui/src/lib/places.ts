// Where a device is, as the back end writes it ("place"), and as the technician screen's fields
// show it. A card terminal is `serial:PATH[:BAUD]` (9600 baud when none is given) or
// `tcp:HOST:PORT`; a printer may also be `usb:VID:PID` (hex) or `file:PATH`. Read the same way as
// the Rust side's `till/places.rs`: after `serial:`, a number after the last colon is the baud.

export type PlaceKind = 'serial' | 'tcp' | 'usb' | 'file';

/** Which device a place is for: a card terminal takes serial and network only. */
export type DeviceRole = 'terminal' | 'printer';

export const BAUD_RATES = [9600, 19200, 38400, 57600, 115200] as const;
export const DEFAULT_BAUD = 9600;

export const KINDS: Record<DeviceRole, PlaceKind[]> = {
  terminal: ['serial', 'tcp'],
  printer: ['serial', 'tcp', 'usb', 'file'],
};

/** The connection types as the technician reads them. */
export const KIND_NAMES: Record<PlaceKind, string> = {
  serial: 'Serial',
  tcp: 'Network',
  usb: 'USB',
  file: 'File',
};

/** The technician screen's fields for one device: only those of `kind` count. */
export type PlaceFields = {
  kind: PlaceKind;
  /** Serial: the port's path. */
  port: string;
  /** Serial: the baud rate. */
  baud: number;
  /** Network: host:port. */
  address: string;
  /** USB: vendor:product in hex. */
  usbId: string;
  /** File: its path. */
  file: string;
};

export function emptyPlace(kind: PlaceKind = 'serial'): PlaceFields {
  return { kind, port: '', baud: DEFAULT_BAUD, address: '', usbId: '', file: '' };
}

/** The fields a place string fills in, or null when it is not one the back end reads. */
export function parsePlace(place: string): PlaceFields | null {
  const text = place.trim();
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  const scheme = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (rest === '') return null;
  switch (scheme) {
    case 'serial': {
      const last = rest.lastIndexOf(':');
      const baud = last >= 0 ? rest.slice(last + 1) : '';
      if (last > 0 && /^\d+$/.test(baud)) return { ...emptyPlace('serial'), port: rest.slice(0, last), baud: Number(baud) };
      return { ...emptyPlace('serial'), port: rest };
    }
    case 'tcp':
      return { ...emptyPlace('tcp'), address: rest };
    case 'usb':
      return /^[0-9a-f]{1,4}:[0-9a-f]{1,4}$/i.test(rest) ? { ...emptyPlace('usb'), usbId: rest.toLowerCase() } : null;
    case 'file':
      return { ...emptyPlace('file'), file: rest };
    default:
      return null;
  }
}

export type PlaceResult = { ok: true; place: string } | { ok: false; message: string };

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/;
const USB_ID = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i;

/** The place string for what the fields say, or the sentence saying what to fix. */
export function placeOf(fields: PlaceFields, role: DeviceRole): PlaceResult {
  const device = role === 'terminal' ? 'A card terminal' : 'A printer';
  if (!KINDS[role].includes(fields.kind)) {
    const names = KINDS[role].map((k) => KIND_NAMES[k].toLowerCase()).join(' or ');
    return { ok: false, message: `${device} is connected by ${names}.` };
  }
  switch (fields.kind) {
    case 'serial': {
      const path = fields.port.trim();
      if (path === '') return { ok: false, message: 'Choose or type the serial port (for example /dev/ttyUSB0).' };
      if (!Number.isSafeInteger(fields.baud) || fields.baud <= 0) return { ok: false, message: 'Choose the baud rate.' };
      // The baud is always written out, so a path that ends in ":digits" still reads back.
      return { ok: true, place: `serial:${path}:${fields.baud}` };
    }
    case 'tcp': {
      const address = fields.address.trim();
      const match = HOST_PORT.exec(address);
      const port = match ? Number(match[2]) : 0;
      if (!match || port < 1 || port > 65535) {
        return { ok: false, message: 'Type the network address as host:port (for example 192.168.1.50:20007).' };
      }
      return { ok: true, place: `tcp:${address}` };
    }
    case 'usb': {
      const match = USB_ID.exec(fields.usbId.trim());
      if (!match) return { ok: false, message: 'Type the USB id as vendor:product in hex (for example 04b8:0e15).' };
      const hex = (s: string) => s.toLowerCase().padStart(4, '0');
      return { ok: true, place: `usb:${hex(match[1]!)}:${hex(match[2]!)}` };
    }
    case 'file': {
      const path = fields.file.trim();
      if (path === '') return { ok: false, message: 'Type the path of the file to print into.' };
      return { ok: true, place: `file:${path}` };
    }
  }
}

/** A place in words: "serial port /dev/ttyUSB0 at 9600 baud", "network 10.0.0.5:20007". */
export function describePlace(place: string): string {
  const fields = parsePlace(place);
  if (!fields) return place;
  switch (fields.kind) {
    case 'serial':
      return `serial port ${fields.port} at ${fields.baud} baud`;
    case 'tcp':
      return `network ${fields.address}`;
    case 'usb':
      return `USB ${fields.usbId}`;
    case 'file':
      return `file ${fields.file}`;
  }
}

/** The baud rates to offer: the usual ones, and the one set up when it is another. */
export function baudChoices(current: number): number[] {
  const rates: number[] = [...BAUD_RATES];
  return rates.includes(current) || !Number.isSafeInteger(current) || current <= 0
    ? rates
    : [...rates, current].sort((a, b) => a - b);
}
