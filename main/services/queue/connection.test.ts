import { describe, expect, it } from 'vitest';
import { redactUrl, redisOptions } from './connection.js';

describe('Redis URLs (#13)', () => {
  it('reads host, port, database, user and password (percent-decoded); rediss:// turns TLS on', () => {
    expect(redisOptions('redis://10.0.0.5:6380/2')).toMatchObject({ host: '10.0.0.5', port: 6380, db: 2, maxRetriesPerRequest: null });
    expect(redisOptions('redis://10.0.0.5').tls).toBeUndefined();
    const o = redisOptions('rediss://frontier:p%40ss%20word@redis.example.org:6390');
    expect(o).toMatchObject({ host: 'redis.example.org', port: 6390, db: 0, username: 'frontier', password: 'p@ss word', tls: { servername: 'redis.example.org' } });
    expect(redisOptions('redis://:only-pass@[::1]:7000')).toMatchObject({ host: '::1', port: 7000, password: 'only-pass' });
    expect(redisOptions('redis://:only-pass@[::1]:7000').username).toBeUndefined();
  });

  it('reconnects for ever, at most every 2 s', () => {
    const retry = redisOptions('redis://h').retryStrategy!;
    expect([1, 5, 100].map((n) => retry(n))).toEqual([100, 500, 2000]);
  });

  it('refuses what is not a Redis URL, without echoing a password', () => {
    expect(() => redisOptions('http://h:6379')).toThrow("a Redis URL starts with redis:// or rediss:// (TLS), got 'http://'");
    expect(() => redisOptions('localhost:6379')).toThrow(/redis:\/\/|not a Redis URL/);
    expect(() => redisOptions('redis://h/x')).toThrow("the Redis URL's database 'x' is not a number");
    expect(() => redisOptions('nonsense :secret@')).toThrow(/is not a Redis URL/);
    expect(redactUrl('rediss://u:secret@h:1')).toBe('rediss://u:***@h:1');
    expect(redactUrl('redis://:secret@h:1')).toBe('redis://:***@h:1');
    expect(redactUrl('redis://h:1')).toBe('redis://h:1');
  });
});
