/** Holds SQLite's write lock on argv[2] for argv[3] ms (another process's open write transaction). */
import Database from 'better-sqlite3';

const [file, ms = '5000'] = process.argv.slice(2);
const db = new Database(file);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\n');
setTimeout(() => {
  db.exec('COMMIT');
  db.close();
  process.stdout.write('released\n');
}, Number(ms));
