import { describe, expect, it } from 'vitest';
import { baudChoices, describePlace, emptyPlace, parsePlace, placeOf } from './places';

describe('parsePlace', () => {
  it('reads serial places with and without a baud rate, as the back end does', () => {
    expect(parsePlace('serial:/dev/ttyUSB0')).toEqual({ ...emptyPlace('serial'), port: '/dev/ttyUSB0', baud: 9600 });
    expect(parsePlace('serial:/tmp/zvt:115200')).toMatchObject({ kind: 'serial', port: '/tmp/zvt', baud: 115200 });
    // Only a number after the last colon is a baud rate.
    expect(parsePlace('serial:/dev/serial/by-id/usb-x:y')).toMatchObject({ port: '/dev/serial/by-id/usb-x:y', baud: 9600 });
    expect(parsePlace('serial:/dev/x:')).toMatchObject({ port: '/dev/x:', baud: 9600 });
    expect(parsePlace('serial::9600')).toMatchObject({ port: ':9600', baud: 9600 });
  });

  it('reads network, USB and file places', () => {
    expect(parsePlace('tcp:10.0.0.5:20007')).toEqual({ ...emptyPlace('tcp'), address: '10.0.0.5:20007' });
    expect(parsePlace('usb:04B8:0e15')).toEqual({ ...emptyPlace('usb'), usbId: '04b8:0e15' });
    expect(parsePlace(' file:/tmp/spool ')).toEqual({ ...emptyPlace('file'), file: '/tmp/spool' });
  });

  it('gives null for what the back end would not read', () => {
    for (const bad of ['', 'serial:', 'tcp:', 'bluetooth:x', '/dev/ttyUSB0', 'usb:nothex:1', 'usb:0403', 'file:']) {
      expect(parsePlace(bad), bad).toBeNull();
    }
  });
});

describe('placeOf', () => {
  it('writes serial places with their baud rate, so they read back the same', () => {
    const fields = { ...emptyPlace('serial'), port: ' /dev/pts/7 ', baud: 38400 };
    expect(placeOf(fields, 'terminal')).toEqual({ ok: true, place: 'serial:/dev/pts/7:38400' });
    // A path that ends in ":digits" survives, because the baud is always written.
    const odd = { ...emptyPlace('serial'), port: '/tmp/link:5', baud: 9600 };
    const written = placeOf(odd, 'printer');
    expect(written).toEqual({ ok: true, place: 'serial:/tmp/link:5:9600' });
    expect(parsePlace(written.ok ? written.place : '')).toMatchObject({ port: '/tmp/link:5', baud: 9600 });
  });

  it('checks network addresses for host and port', () => {
    const tcp = (address: string) => placeOf({ ...emptyPlace('tcp'), address }, 'terminal');
    expect(tcp('192.168.1.50:20007')).toEqual({ ok: true, place: 'tcp:192.168.1.50:20007' });
    expect(tcp('terminal.local:20007')).toEqual({ ok: true, place: 'tcp:terminal.local:20007' });
    expect(tcp('[::1]:9100')).toEqual({ ok: true, place: 'tcp:[::1]:9100' });
    for (const bad of ['', '192.168.1.50', '192.168.1.50:', ':20007', 'host:99999', 'host:0', 'a b:1']) {
      expect(tcp(bad), bad).toEqual({ ok: false, message: expect.stringContaining('host:port') });
    }
  });

  it('writes USB ids as four hex digits each and files as given', () => {
    expect(placeOf({ ...emptyPlace('usb'), usbId: '4B8:E15' }, 'printer')).toEqual({ ok: true, place: 'usb:04b8:0e15' });
    expect(placeOf({ ...emptyPlace('usb'), usbId: '04b8' }, 'printer')).toMatchObject({ ok: false });
    expect(placeOf({ ...emptyPlace('file'), file: '/tmp/r.bin' }, 'printer')).toEqual({ ok: true, place: 'file:/tmp/r.bin' });
    expect(placeOf({ ...emptyPlace('file'), file: '  ' }, 'printer')).toMatchObject({ ok: false });
  });

  it('says what is missing', () => {
    expect(placeOf(emptyPlace('serial'), 'terminal')).toEqual({
      ok: false,
      message: 'Choose or type the serial port (for example /dev/ttyUSB0).',
    });
    // A card terminal is never on USB or a file.
    expect(placeOf({ ...emptyPlace('usb'), usbId: '04b8:0e15' }, 'terminal')).toEqual({
      ok: false,
      message: 'A card terminal is connected by serial or network.',
    });
  });

  it('reads back every place it writes', () => {
    const places = ['serial:/dev/ttyUSB0:9600', 'serial:/tmp/zvt:115200', 'tcp:10.0.0.5:20007', 'usb:04b8:0e15', 'file:/tmp/spool'];
    for (const place of places) expect(placeOf(parsePlace(place)!, 'printer')).toEqual({ ok: true, place });
  });
});

describe('describePlace', () => {
  it('puts a place in words', () => {
    expect(describePlace('serial:/dev/ttyUSB0')).toBe('serial port /dev/ttyUSB0 at 9600 baud');
    expect(describePlace('tcp:10.0.0.5:20007')).toBe('network 10.0.0.5:20007');
    expect(describePlace('usb:04b8:0e15')).toBe('USB 04b8:0e15');
    expect(describePlace('file:/tmp/spool')).toBe('file /tmp/spool');
    expect(describePlace('odd')).toBe('odd');
  });
});

describe('baudChoices', () => {
  it('offers the usual rates, and an unusual one that is set up', () => {
    expect(baudChoices(9600)).toEqual([9600, 19200, 38400, 57600, 115200]);
    expect(baudChoices(4800)).toEqual([4800, 9600, 19200, 38400, 57600, 115200]);
  });
});
