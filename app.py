"""exportctl web app. Run with:  streamlit run app.py"""

from exportctl.webapp.main import run

run()
