// Colour rules (src/cli/color.ts): only on a terminal; NO_COLOR (https://no-color.org, any
// non-empty value) and --no-color always win; FORCE_COLOR as chalk reads it; TERM=dumb is plain.
import chalk from 'chalk';
import {afterEach, describe, expect, it} from 'vitest';
import {colorWanted, configureColor} from '../../src/cli/color.ts';

describe('colorWanted', () => {
  it.each([
    ['a terminal', {isTTY: true, env: {}}, true],
    ['a pipe', {isTTY: false, env: {}}, false],
    ['NO_COLOR=1 on a terminal', {isTTY: true, env: {NO_COLOR: '1'}}, false],
    ['NO_COLOR=0 is still set', {isTTY: true, env: {NO_COLOR: '0'}}, false],
    ['NO_COLOR empty is not set', {isTTY: true, env: {NO_COLOR: ''}}, true],
    ['--no-color on a terminal', {isTTY: true, env: {}, noColor: true}, false],
    ['--no-color beats FORCE_COLOR', {isTTY: true, env: {FORCE_COLOR: '1'}, noColor: true}, false],
    ['NO_COLOR beats FORCE_COLOR', {isTTY: false, env: {FORCE_COLOR: '1', NO_COLOR: '1'}}, false],
    ['FORCE_COLOR on a pipe', {isTTY: false, env: {FORCE_COLOR: '1'}}, true],
    ['FORCE_COLOR=0 on a terminal', {isTTY: true, env: {FORCE_COLOR: '0'}}, false],
    ['TERM=dumb', {isTTY: true, env: {TERM: 'dumb'}}, false],
  ] as const)('%s', (_name, opts, expected) => {
    expect(colorWanted({...opts, env: {...opts.env}})).toBe(expected);
  });
});

describe('configureColor sets chalk for the whole process', () => {
  const level = chalk.level;
  afterEach(() => {
    chalk.level = level;
  });
  it('off for a pipe, on for a terminal, off again with NO_COLOR', () => {
    const tty = {isTTY: true} as NodeJS.WriteStream;
    const pipe = {isTTY: false} as NodeJS.WriteStream;
    expect(configureColor({stream: pipe, env: {}})).toBe(false);
    expect(chalk.red('x')).toBe('x');
    expect(configureColor({stream: tty, env: {}})).toBe(true);
    expect(chalk.red('x')).not.toBe('x');
    expect(configureColor({stream: tty, env: {NO_COLOR: '1'}})).toBe(false);
    expect(chalk.red('x')).toBe('x');
  });
});
