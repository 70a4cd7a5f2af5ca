/** Root of every error the hardware input and output drivers raise. */
export class InputError extends Error {
  override name = 'InputError';
}

/**
 * The input's configuration cannot work on this machine (a pin the chip does not have):
 * retrying will not help, so the agent refuses to start instead of reporting a fault.
 */
export class InputConfigError extends InputError {
  override name = 'InputConfigError';
}

/** No gpiochip under the sysfs root has a Raspberry Pi GPIO label. */
export class GpioChipNotFoundError extends InputError {
  override name = 'GpioChipNotFoundError';
  constructor(
    readonly sysfsRoot: string,
    readonly labelsSeen: string[],
    options?: { cause?: unknown },
  ) {
    super(
      `no Raspberry Pi GPIO chip under ${sysfsRoot}/class/gpio (looked for labels pinctrl-rp1, ` +
        `pinctrl-bcm2711, pinctrl-bcm2835; found ${labelsSeen.length ? labelsSeen.join(', ') : 'none'})`,
      options,
    );
  }
}

/** The BCM pin number is not a line of the chip. */
export class GpioPinOutOfRangeError extends InputConfigError {
  override name = 'GpioPinOutOfRangeError';
  constructor(
    readonly bcmPin: number,
    readonly chipLabel: string,
    readonly ngpio: number,
  ) {
    super(`BCM pin ${bcmPin} is out of range: ${chipLabel} has ${ngpio} lines (0 to ${ngpio - 1})`);
  }
}

/** Neither sysfs GPIO nor the gpiod tools are available (or the requested one is not). */
export class GpioDriverUnavailableError extends InputError {
  override name = 'GpioDriverUnavailableError';
}

/** A GPIO line could not be opened, read or written. */
export class GpioAccessError extends InputError {
  override name = 'GpioAccessError';
  constructor(
    message: string,
    readonly pin: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A gpiod tool (gpiomon, gpioget, gpiodetect) failed or printed something unexpected. */
export class GpiodToolError extends InputError {
  override name = 'GpiodToolError';
  constructor(
    message: string,
    readonly tool: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The serial badge reader could not be opened; the reader keeps retrying. */
export class SerialPortError extends InputError {
  override name = 'SerialPortError';
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The badge reader sends frames that cannot be read: wrong baud rate or reader model, or noise. */
export class BadgeFrameError extends InputError {
  override name = 'BadgeFrameError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}
