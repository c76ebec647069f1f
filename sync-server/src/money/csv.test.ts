// CSV writing: RFC 4180 quoting and line ends, and the formula-injection guard.
import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from './csv';

describe('toCsv', () => {
  it('quotes every field, doubles quotes and ends every record with CRLF', () => {
    expect(toCsv([['a', 'b,c'], ['say "hi"', 'two\nlines'], ['']])).toBe('"a","b,c"\r\n"say ""hi""","two\nlines"\r\n""\r\n');
  });

  it('keeps a spreadsheet from running a cell as a formula', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(csvField(`${start}1+1`)).toBe(`"'${start}1+1"`);
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    // Only the first character matters.
    expect(csvField('a=b')).toBe('"a=b"');
    expect(csvField("'quoted")).toBe(`"'quoted"`);
  });
});
