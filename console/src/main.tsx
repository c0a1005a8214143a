// Entry point of the console bundle (console/build.ts): styles, then the app into #app.
import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './app';

render(<App />, document.getElementById('app')!);
