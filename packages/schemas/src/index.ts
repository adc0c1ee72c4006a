export { valueSubject } from './subject.ts';
