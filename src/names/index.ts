/**
 * The one name module: is this name safe to write, do two names collide on a file
 * system, are two names confusable, how is a name shown. Every walker, parser,
 * guard and printer asks here; nothing else calls toLowerCase on a name.
 */
export { findUnsafeCharacter, withoutIgnorables, type UnsafeCharacter, type UnsafeReason } from './unsafe';
export { caseFold, collisionKey } from './case-fold';
export { skeleton, foldSeparators } from './skeleton';
export { displayText, escapeJsonText, escapeUnsafe, quoted, quotedList, safeLine, DISPLAY_LIMIT, LINE_LIMIT } from './display';
export { checkFileNames, fileNameProblem } from './file-names';
