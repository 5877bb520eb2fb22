import { describe, expect, it } from 'vitest';
import { cell, formatDetails, formatTable } from './table.js';

describe('formatTable', () => {
  it('aligns columns to the widest cell with no trailing spaces', () => {
    const text = formatTable(
      ['ID', 'NAME', 'STATE'],
      [
        ['key_1', 'billing backend', 'active'],
        ['key_22', null, 'suspended'],
      ],
    );
    expect(text).toBe(
      [
        'ID      NAME             STATE',
        'key_1   billing backend  active',
        'key_22  -                suspended',
        '',
      ].join('\n'),
    );
  });

  it('joins lists and shows empty ones as -', () => {
    expect(formatTable(['S'], [[['a', 'b']], [[]]])).toBe('S\na,b\n-\n');
  });

  it('neutralises terminal control characters from server data', () => {
    expect(cell('evil\u001b[2Jname\nx')).toBe('evil\uFFFD[2Jname\uFFFDx');
  });
});

describe('formatDetails', () => {
  it('aligns the values', () => {
    expect(
      formatDetails([
        ['ID', 'ins_1'],
        ['Created', '2030'],
      ]),
    ).toBe('ID:       ins_1\nCreated:  2030\n');
  });
});
