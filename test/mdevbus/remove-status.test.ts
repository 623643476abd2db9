// The remover's exit status carries the errno of its write back to bus.remove(): both ends agree.
import test from 'ava';
import { errnoOfRemoveExit, removeExitStatusOf } from '../../src/mdevbus/remove-status.js';
import { sysError } from '../../src/simhost/errno.js';

test('every errno the kernel gives a remove write survives the round trip through the exit status', (t) => {
  for (const code of ['ENOENT', 'ENODEV', 'EAGAIN', 'EACCES', 'EPERM', 'EBUSY', 'EINVAL', 'ERANGE', 'EUSERS']) {
    const status = removeExitStatusOf(sysError(code, 'write'));
    t.true(status > 100 && status < 256, code);
    t.is(errnoOfRemoveExit(status), code);
  }
  // Node's own errors carry a code and a negative errno too
  t.is(errnoOfRemoveExit(removeExitStatusOf(Object.assign(new Error('x'), { code: 'ENODEV', errno: -19 }))), 'ENODEV');
});

test('a failure without an errno is status 1, which names none; success and a crash name none either', (t) => {
  t.is(removeExitStatusOf(new Error('not a system error')), 1);
  for (const s of [0, 1, 2, null, 100]) t.is(errnoOfRemoveExit(s), undefined);
});
