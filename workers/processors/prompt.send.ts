import { sendPrompt } from '../../src/services/prompts/send.js';
import type { Processor } from '../types.js';

export const promptSend: Processor<'prompt.send'> = async (deps, { promptId, event, attempt }, { log }) => {
  const outcome = await sendPrompt(deps, promptId, event, attempt);
  log.info({ promptId, event, attempt, outcome }, 'pain prompt');
  return outcome;
};
