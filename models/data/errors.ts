import { MangoError } from '../../engine/index.ts';

/** A dataset file is missing, unreadable or not in the expected format. */
export class DatasetError extends MangoError {}
