import type { Rule } from '../types';

/** Every kiali rule; each lives in its own file in this folder. */
export const kialiRules: Rule[] = [];
