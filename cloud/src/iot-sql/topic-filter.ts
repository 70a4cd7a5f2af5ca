/**
 * Topic filters as the FROM clause of an IoT rule applies them.
 *
 * Where IoT Core parts from MQTT 3.1.1 (section 4.7.1.2), we follow the developer guide:
 * - `a/#` matches one or more levels below `a` (`a/`, `a/b`, `a/b/c`) but not `a` itself:
 *   "match one or more particular path elements" (FROM clause) and `sensor/#` receives
 *   `sensor/`, `sensor/temperature`, ... (MQTT topics, topic filters). MQTT would also match `a`.
 * - As in MQTT [MQTT-4.7.2-1], a filter starting with a wildcard does not match reserved
 *   topics that start with `$`; rules name them explicitly (`$aws/events/presence/+/+`).
 * - Topic names and filters are case sensitive; `+` matches an empty level (`a//b`).
 */
export function topicMatchesIotFilter(filter: string, topic: string): boolean {
  if (topic.length === 0) return false;
  if (filter === topic) return !filter.includes('+') && !filter.includes('#');
  const f = filter.split('/');
  const t = topic.split('/');
  if ((f[0] === '+' || f[0] === '#') && topic.charCodeAt(0) === 36 /* $ */) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return t.length > i;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Why a FROM topic filter is invalid, or undefined when it is fine (MQTT topics, topic filters). */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter.length === 0) return 'it is empty';
  if (filter.includes('\u0000')) return 'it contains the null character';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return '# must be the whole last level';
    }
    if (level.includes('+') && level !== '+') return '+ must be a whole level';
  }
  return undefined;
}

/**
 * The same test as {@link topicMatchesIotFilter}, prepared once per rule: the filter is
 * split when the rule is compiled, and a topic is walked level by level without
 * allocating, since this runs for every message.
 */
export function compileTopicFilter(filter: string): (topic: string) => boolean {
  if (!filter.includes('+') && !filter.includes('#')) return (topic) => topic.length > 0 && topic === filter;
  const levels = filter.split('/');
  const multi = levels[levels.length - 1] === '#';
  const fixed = multi ? levels.slice(0, -1) : levels;
  const wildFirst = levels[0] === '+' || levels[0] === '#';
  return (topic) => {
    if (topic.length === 0 || (wildFirst && topic.charCodeAt(0) === 36)) return false;
    let start = 0;
    for (let i = 0; i < fixed.length; i++) {
      if (start > topic.length) return false;
      let end = topic.indexOf('/', start);
      if (end < 0) end = topic.length;
      const level = fixed[i]!;
      if (level !== '+' && (end - start !== level.length || !topic.startsWith(level, start))) return false;
      start = end + 1;
    }
    // start > length: the topic ended with the last fixed level. `#` needs at least one more level.
    return multi ? start <= topic.length : start === topic.length + 1;
  };
}
