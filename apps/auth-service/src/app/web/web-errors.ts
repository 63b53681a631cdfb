/** Thrown when a page needs a signed-in user; rendered as a redirect to /login. */
export class WebLoginRequired extends Error {
  constructor() {
    super('login required');
    this.name = 'WebLoginRequired';
  }
}

/** Thrown when an admin page needs a second factor the session has not used; rendered as a redirect to enrol. */
export class WebSecondFactorRequired extends Error {
  constructor() {
    super('second factor required');
    this.name = 'WebSecondFactorRequired';
  }
}
