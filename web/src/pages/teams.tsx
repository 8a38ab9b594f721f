import { PageHeader } from '../components/feedback';

/** To be built (issue 21): see web/README.md. */
export function Teams(props: { id?: string }) {
  void props;
  return <PageHeader title="Teams" />;
}
