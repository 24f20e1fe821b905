/** `modelseal/errors`: ModelsealError, its stable codes and the exit status each maps to. */
export { ModelsealError, ERROR_CODES, exitCodeFor, isRefusal, fsError, EXIT_OK, EXIT_REFUSED, EXIT_INPUT, type ErrorCode, type RefusalCode, type InputCode, type ErrorOptions } from '../errors';
