// Device views: a job's template declares what it shows (Alpine's CSP build: x-data,
// x-for, x-text, no expressions evaluated from strings), and its module under jobs/
// says how to fill it from what this device holds in IndexedDB. Views refill whenever
// the device's data changes (a save, a sync, another tab).
import Alpine from "@alpinejs/csp";
import { database, recordsOf } from "./store.js";

/**
 * Declare the view `name`, used in a template as `x-data="name"`. `load(dataset)` gets
 * the element's data-* attributes and resolves to the items it shows.
 */
export function defineView(name, load) {
  Alpine.data(name, () => ({
    items: [],
    loaded: false,
    init() {
      this.refresh = () => this.fill();
      document.addEventListener("kefu:changed", this.refresh);
      return this.fill();
    },
    destroy() {
      document.removeEventListener("kefu:changed", this.refresh);
    },
    async fill() {
      this.items = await load(this.$el.dataset);
      this.loaded = true;
    },
    get empty() {
      return this.loaded && this.items.length === 0;
    },
  }));
}

/** Records of a kind that the server sent this device, as `{id, ...data}`. */
export async function localRecords(kind) {
  return (await recordsOf(kind)).map((record) => ({ ...record.data, id: record.id }));
}

/** Changes of one mutation still waiting in the outbox, as `{...args, device_time,
 * acting_user_id}` (who made it, on a tablet that people hand over). */
export async function waitingChanges(mutationName) {
  return (await (await database()).getAll("outbox"))
    .filter((mutation) => mutation.name === mutationName)
    .map((mutation) => ({
      ...mutation.args,
      device_time: mutation.device_time,
      acting_user_id: mutation.acting_user_id,
    }));
}

export function startViews() {
  Alpine.start();
}
