/**
 * Work a session listener hands on, run after the listener returned: once per turn of the event
 * loop (`setImmediate`), everything handed on in that turn, in order. LiveKit's code that emitted
 * the event goes on at once; the mapping runs a moment later, warm, over the turn's events.
 */
type Task<T> = (arg: T) => void;

let tasks: unknown[] = [];
let scheduled = false;

export function afterListener<T>(task: Task<T>, arg: T): void {
  tasks.push(task, arg);
  if (!scheduled) {
    scheduled = true;
    setImmediate(runHandedOn);
  }
}

/** Runs everything handed on so far, now (also before a flush, so a flush covers every event already emitted). */
export function runHandedOn(): void {
  scheduled = false;
  while (tasks.length > 0) {
    const list = tasks;
    tasks = [];
    for (let i = 0; i < list.length; i += 2) (list[i] as Task<unknown>)(list[i + 1]);
  }
}
