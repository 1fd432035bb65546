import { describe, expect, it } from 'vitest';
import { guardJsonText, parseJsonGuarded } from './safe-json.js';

describe('guarded JSON', () => {
  it('keeps integers above 2^53 exact as strings and leaves safe numbers alone', () => {
    const text = '{"object_id":18014398509481985,"owner_id":134815,"x":-90071992547409931,"f":1.5e3,"s":"12345678901234567890"}';
    expect(JSON.parse(text).object_id).toBe(18014398509481984); // what plain JSON.parse does
    expect(parseJsonGuarded(text, { bigIntsAsStrings: true })).toEqual({
      object_id: '18014398509481985',
      owner_id: 134815,
      x: '-90071992547409931',
      f: 1500,
      s: '12345678901234567890',
    });
  });

  it('refuses NUL characters in strings but not an escaped backslash followed by u0000', () => {
    expect(() => guardJsonText('{"name":"a\\u0000b"}')).toThrow(expect.objectContaining({ code: 'nul_byte', status: 400 }));
    expect(() => guardJsonText('{"name":"a\\\\u0000b"}')).not.toThrow();
    expect(() => guardJsonText('{"k\\u0000":1}')).toThrow(expect.objectContaining({ code: 'nul_byte' }));
  });

  it('refuses nesting deeper than the limit without recursion, counting brackets inside strings as text', () => {
    const deep = '['.repeat(30_000) + ']'.repeat(30_000);
    expect(() => guardJsonText(deep)).toThrow(expect.objectContaining({ code: 'json_too_deep', status: 400 }));
    expect(() => guardJsonText(`{"a":"${'['.repeat(500)}"}`)).not.toThrow();
    expect(() => guardJsonText('[[[]]]', { maxDepth: 2 })).toThrow(expect.objectContaining({ code: 'json_too_deep' }));
    expect(() => guardJsonText('[[]]', { maxDepth: 2 })).not.toThrow();
  });

  it('reports malformed JSON as invalid_json', () => {
    expect(() => parseJsonGuarded('{"a":')).toThrow(expect.objectContaining({ code: 'invalid_json', status: 400 }));
  });
});
