// Step 3 of the campaign wizard: choose a CSV or JSON file, check it as a dry run, read the report
// (columns, the mapping used — editable: phone column, each variable's column, the time-zone column —
// preview rows with the greeting each contact will hear, invalid rows and duplicates), then add the
// valid rows for real. Saving an edited mapping stores it on the draft and checks the file again.
import type { Agent } from "../../../packages/contracts/src/agents.ts";
import type { ContactRowError, ContactsReport } from "../../../packages/contracts/src/campaigns.ts";
import { mappingChanged, mappingVariableNames, withPhoneColumn, withTimeZoneColumn, withVariableColumn, type MappingForm, type WizardStore } from "../stores/campaign-wizard.ts";
import { contactsContentType } from "../stores/campaigns.ts";
import { Field } from "../ui/fields.tsx";

const maxFileBytes = 20 * 1024 * 1024;

export function ContactsStep({ w, agent }: { w: WizardStore; agent: Agent | null }) {
  const c = w.campaign.value;
  const report = w.report.value;
  const choose = async (input: HTMLInputElement) => {
    const f = input.files?.[0];
    input.value = ""; // choosing the same file again (after fixing it) is a change too
    if (!f) return;
    const contentType = contactsContentType(f.name, f.type);
    w.clearErrors();
    if (!contentType) {
      w.message.value = `${f.name}: choose a .csv or .json file.`;
      return;
    }
    if (f.size > maxFileBytes) {
      w.message.value = `${f.name} is ${(f.size / 1024 / 1024).toFixed(1)} MB: the limit is 20 MB (100,000 rows).`;
      return;
    }
    await w.chooseFile({ name: f.name, contentType, content: await f.text(), sizeBytes: f.size });
  };
  return (
    <>
      <h2>Who gets called?</h2>
      <p class="muted">
        A CSV file with a header row (comma, semicolon or tab separated) or a JSON array of objects: one contact per row, a phone number in international format (+1…) and a
        column for each of the agent's variables. Nothing is added until you confirm.
      </p>
      {c && c.itemCount > 0 && (
        <p class="badge ok" data-testid="contacts-added">
          {c.itemCount} contact{c.itemCount === 1 ? "" : "s"} in this campaign{w.added.value !== null ? ` (${w.added.value} just added)` : ""}
        </p>
      )}
      <label>
        Contacts file
        <input type="file" accept=".csv,.tsv,.txt,.json,text/csv,application/json" disabled={!!w.busy.value} onChange={(e) => void choose(e.currentTarget)} />
      </label>
      <label class="inline">
        <input type="checkbox" checked={c?.settings.allowDuplicates ?? false} disabled={!!w.busy.value} onChange={(e) => void w.setAllowDuplicates(e.currentTarget.checked)} />
        Call a number once per row when it appears more than once (else duplicates are skipped)
      </label>
      {w.file.value && (
        <p class="muted">
          {w.file.value.name} · {(w.file.value.sizeBytes / 1024).toFixed(1)} KB{w.busy.value ? ` · ${w.busy.value}` : ""}
        </p>
      )}
      {report && <Report w={w} report={report} agent={agent} />}
      {!report && w.file.value && w.message.value && c?.contactMapping && (
        <p>
          <button type="button" class="link" disabled={!!w.busy.value} onClick={() => void w.clearMapping()}>
            Forget the saved mapping and guess it from this file's columns
          </button>
        </p>
      )}
    </>
  );
}

function Report({ w, report, agent }: { w: WizardStore; report: ContactsReport; agent: Agent | null }) {
  const form = w.mapping.value;
  const dirty = form ? mappingChanged(form, report.mapping) : false;
  const addable = report.validRows;
  // The API adds a file all or nothing: a file with invalid rows is refused as a whole.
  const blocked = report.invalidRows > 0;
  return (
    <div class="stack" data-testid="contacts-report">
      <div class="counts">
        <span>
          {report.format.toUpperCase()}
          {report.delimiter ? ` (separator “${report.delimiter === "\t" ? "tab" : report.delimiter}”)` : ""}
        </span>
        <span>
          {report.totalRows} row{report.totalRows === 1 ? "" : "s"}
        </span>
        <span class="good">{report.validRows} valid</span>
        {report.invalidRows > 0 && <span class="bad">{report.invalidRows} invalid</span>}
        {report.duplicateRows > 0 && (
          <span class="bad">
            {report.duplicateRows} duplicate{report.duplicateRows === 1 ? "" : "s"}
          </span>
        )}
      </div>
      <p class="muted">
        Columns: {report.columns.map((col, i) => (
          <span key={col}>
            {i > 0 && ", "}
            <code>{col}</code>
          </span>
        ))}
      </p>
      {form && <MappingEditor w={w} form={form} columns={report.columns} agent={agent} guessed={report.mappingGuessed} dirty={dirty} />}
      <Preview report={report} />
      <Problems title="Invalid rows (not added)" rows={report.errors} total={report.invalidRows} />
      <Problems title="Duplicates (skipped)" rows={report.duplicates} total={report.duplicateRows} />
      <div class="row">
        <button type="button" disabled={addable === 0 || dirty || blocked || !!w.busy.value} onClick={() => void w.addContacts()}>
          Add {addable} contact{addable === 1 ? "" : "s"}
        </button>
        {dirty && <span class="muted">Save the mapping first: the rows are checked again with it.</span>}
        {blocked && !dirty && (
          <span class="error">
            A file is added all or nothing: fix or remove the {report.invalidRows} invalid row{report.invalidRows === 1 ? "" : "s"} (or change the mapping), then choose the file again.
          </span>
        )}
      </div>
    </div>
  );
}

function MappingEditor({ w, form, columns, agent, guessed, dirty }: { w: WizardStore; form: MappingForm; columns: string[]; agent: Agent | null; guessed: boolean; dirty: boolean }) {
  const set = (f: MappingForm) => (w.mapping.value = f);
  const err = (key: string) => w.fields.value[`contactMapping.${key}`];
  const options = (empty: string | null) => (
    <>
      {empty !== null && <option value="">{empty}</option>}
      {columns.map((col) => (
        <option key={col} value={col}>
          {col}
        </option>
      ))}
    </>
  );
  const required = new Set(agent?.variables.required ?? []);
  return (
    <fieldset class="stack" aria-label="Column mapping">
      <legend>
        <h3>Mapping {guessed && <span class="muted">(guessed from the column names: check it)</span>}</h3>
      </legend>
      <div class="mapping">
        <Field label="Phone number column" error={err("phoneColumn")}>
          <select value={columns.includes(form.phoneColumn) ? form.phoneColumn : ""} onChange={(e) => set(withPhoneColumn(form, e.currentTarget.value))}>
            {options(columns.includes(form.phoneColumn) ? null : "— choose —")}
          </select>
        </Field>
        {mappingVariableNames(agent, form).map((v) => (
          <Field key={v} label={`{{${v}}}${required.has(v) ? " (required)" : ""}`} error={err(`variables.${v}`)}>
            <select aria-label={`Column for ${v}`} value={form.variables[v] ?? ""} onChange={(e) => set(withVariableColumn(form, v, e.currentTarget.value))}>
              {options("— not in the file —")}
            </select>
          </Field>
        ))}
        <Field label="Time zone column" error={err("timeZoneColumn")} hint="Else from the number's country, else the campaign's default">
          <select value={form.timeZoneColumn} onChange={(e) => set(withTimeZoneColumn(form, e.currentTarget.value))}>
            {options("— none —")}
          </select>
        </Field>
      </div>
      {dirty && (
        <div class="row">
          <button type="button" disabled={!!w.busy.value} onClick={() => void w.saveMapping()}>
            Save mapping and check again
          </button>
        </div>
      )}
    </fieldset>
  );
}

function Preview({ report }: { report: ContactsReport }) {
  if (report.preview.length === 0) return <p class="muted">No valid row to preview.</p>;
  const vars = [...new Set(report.preview.flatMap((r) => Object.keys(r.variables)))];
  return (
    <div>
      <h3>Preview: what the first contacts will hear</h3>
      <div class="scroll">
        <table class="preview">
          <thead>
            <tr>
              <th>Row</th>
              <th>Phone</th>
              <th>Time zone</th>
              {vars.map((v) => (
                <th key={v}>{v}</th>
              ))}
              <th>Greeting</th>
            </tr>
          </thead>
          <tbody>
            {report.preview.map((r) => (
              <tr key={r.row}>
                <td>{r.row}</td>
                <td>{r.phone}</td>
                <td>{r.timeZone}</td>
                {vars.map((v) => (
                  <td key={v}>{r.variables[v] === undefined || r.variables[v] === null ? <span class="muted">—</span> : String(r.variables[v])}</td>
                ))}
                <td class="greeting">{r.greeting ?? <span class="muted">the agent speaks first when the contact answers</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Problems({ title, rows, total }: { title: string; rows: ContactRowError[]; total: number }) {
  if (total === 0) return null;
  return (
    <details open={rows.length <= 20}>
      <summary>
        <strong>{title}</strong>: {total}
        {total > rows.length ? ` (the first ${rows.length} shown)` : ""}
      </summary>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>Row</th>
              <th>Column</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e, i) => (
              <tr key={`${e.row}-${i}`}>
                <td>{e.row}</td>
                <td>{e.field ? <code>{e.field}</code> : "—"}</td>
                <td>{e.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
