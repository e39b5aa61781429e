import { SignetError } from '@signet/core';

/** A setting with a value the server cannot use. `setting` names the flag (or variable) to fix. */
export class ServerConfigError extends SignetError {
  readonly setting: string;

  constructor(setting: string, message: string) {
    super('CONFIG_INVALID', message);
    this.setting = setting;
  }
}
