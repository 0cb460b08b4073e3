import { defaultConsumerGroupSettings, type ConsumerGroupSettings } from "../port";

/** The port's rules for settings (the KurrentDB adapter applies the same). */
export function validSettings(settings: ConsumerGroupSettings): ConsumerGroupSettings {
  const positive = ["batchSize", "messageTimeoutMs", "leaseTimeoutMs"] as const;
  for (const field of positive) {
    if (!(Number.isInteger(settings[field]) && settings[field] > 0)) {
      throw new RangeError(`Consumer group setting ${field} must be a positive integer`);
    }
  }
  if (!(Number.isInteger(settings.maxRetryCount) && settings.maxRetryCount >= 0)) {
    throw new RangeError("Consumer group setting maxRetryCount must be a non-negative integer");
  }
  return settings;
}

/** Settings as stored in jsonb: a Position's bigints become decimal strings. */
export type SettingsJson = Omit<ConsumerGroupSettings, "startFrom"> & {
  startFrom: "start" | "end" | { commit: string; prepare: string };
};

export function settingsToJson(settings: ConsumerGroupSettings): SettingsJson {
  const { startFrom } = settings;
  return {
    ...settings,
    startFrom:
      typeof startFrom === "string"
        ? startFrom
        : { commit: startFrom.commit.toString(), prepare: startFrom.prepare.toString() },
  };
}

export function settingsFromJson(json: SettingsJson): ConsumerGroupSettings {
  const { startFrom } = json;
  return {
    ...defaultConsumerGroupSettings,
    ...json,
    startFrom:
      typeof startFrom === "string"
        ? startFrom
        : { commit: BigInt(startFrom.commit), prepare: BigInt(startFrom.prepare) },
  };
}
