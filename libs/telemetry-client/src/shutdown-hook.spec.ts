import { EventEmitter } from 'node:events';
import { flushOnShutdown } from './shutdown-hook';

function target() {
  return Object.assign(new EventEmitter(), { pid: 77, kill: jest.fn() });
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('flushOnShutdown', () => {
  it('closes the client on SIGINT and raises the signal again once closed', async () => {
    const process = target();
    const closed = deferred();
    const client = { close: jest.fn(() => closed.promise) };
    flushOnShutdown(client, { target: process });
    process.emit('SIGINT', 'SIGINT');
    expect(client.close).toHaveBeenCalledTimes(1);
    await tick();
    expect(process.kill).not.toHaveBeenCalled();
    closed.resolve();
    await tick();
    expect(process.kill).toHaveBeenCalledWith(77, 'SIGINT');
  });

  it('stops waiting on a second signal', () => {
    const process = target();
    const client = { close: jest.fn(() => new Promise<void>(() => undefined)) };
    flushOnShutdown(client, { target: process, signals: ['SIGTERM'] });
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGTERM', 'SIGTERM');
    expect(client.close).toHaveBeenCalledTimes(1);
    expect(process.kill).toHaveBeenCalledWith(77, 'SIGTERM');
  });

  it('leaves the ending to other listeners of the signal, reports a failed close, and can be removed', async () => {
    const process = target();
    const onError = jest.fn();
    process.on('SIGTERM', () => undefined);
    const client = { close: jest.fn(() => Promise.reject(new Error('transport stuck'))) };
    flushOnShutdown(client, { target: process, onError });
    process.emit('SIGTERM', 'SIGTERM');
    await tick();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'transport stuck' }));
    expect(process.kill).not.toHaveBeenCalled();

    const other = target();
    const remove = flushOnShutdown({ close: jest.fn(() => Promise.resolve()) }, { target: other });
    remove();
    expect(other.listenerCount('SIGINT') + other.listenerCount('SIGTERM')).toBe(0);
  });
});
