import { describe, expect, it } from 'vitest';
import { parseOffsetsArgs } from './args.ts';

describe('pnpm consumer:offsets arguments', () => {
  it.each([
    [['show'], { command: 'show' }],
    [['--', 'show'], { command: 'show' }],
    [['reset', '--to', 'earliest'], { command: 'reset', to: 'earliest', partition: undefined }],
    [['reset', '--to', 'latest', '--partition', '2'], { command: 'reset', to: 'latest', partition: 2 }],
    [['reset', '--to=120', '--partition=0'], { command: 'reset', to: 120n, partition: 0 }],
    [['reset', '--to', '9007199254740993'], { command: 'reset', to: 9007199254740993n, partition: undefined }],
    [['--help'], { command: 'help' }],
  ])('%j', (argv, parsed) => {
    expect(parseOffsetsArgs(argv)).toEqual(parsed);
  });

  it.each([
    [[], /a command is required/],
    [['rewind'], /unknown command "rewind"/],
    [['show', '--to', 'latest'], /show takes no options/],
    [['show', 'extra'], /unexpected argument "extra"/],
    [['reset'], /--to earliest\|latest\|<offset> is required/],
    [['reset', '--to', 'beginning'], /--to must be earliest, latest or an offset/],
    [['reset', '--to=-1'], /--to must be/],
    [['reset', '--to', '-1'], /'--to' argument is ambiguous/],
    [['reset', '--to', '1.5'], /--to must be/],
    [['reset', '--to', '1234567890123456789'], /--to must be/],
    [['reset', '--to', 'earliest', '--partition', 'one'], /--partition must be a partition number/],
    [['reset', '--to', 'earliest', '--partition=-1'], /--partition must be/],
    [['reset', '--to', 'earliest', '--force'], /Unknown option '--force'/],
  ])('refuses %j', (argv, message) => {
    const parsed = parseOffsetsArgs(argv);
    expect(parsed).toHaveProperty('error');
    expect((parsed as { error: string }).error).toMatch(message);
  });
});
